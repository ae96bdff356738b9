"""Time: a call's timeout bounds slow reads; token providers are single-flight and bounded."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APITimeoutError,
    LightClient,
    SyncLightClient,
    TokenProviderError,
)
from light_client.mock import LightMock
from tests._harness import CUSTOMER_ID, Light
from tests._servers import RawServer
from tests.conftest import load_json

CUSTOMER = load_json("seed_customer_response.json")


def drip(conn: socket.socket, request: bytes) -> None:
    """A 200 whose body comes one byte every 0.5 s: each read is quick, the whole never ends."""
    body = json.dumps(CUSTOMER).encode()
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    for byte in body[:40]:  # bounded: 20 s at most, though the client leaves after ~2 s
        conn.sendall(bytes([byte]))
        time.sleep(0.5)


async def test_timeout_bounds_the_whole_call_not_each_read(
    kind: Any, clean_env: pytest.MonkeyPatch
) -> None:
    with RawServer(drip) as server:
        light = Light(kind, api_key="k", base_url=server.url, timeout=2)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await light.update_customer(CUSTOMER_ID, name="a")
        elapsed = time.monotonic() - started
        await light.close()
    assert elapsed < 3.5  # not the 20 s the server would take, nor 3 attempts of it
    assert caught.value.attempts == 1  # no retry once the timeout has run out
    assert caught.value.reason == "the call's timeout runs out before a retry could be sent"
    assert len(server.requests) == 1


async def test_fifty_first_calls_make_one_provider_call(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "token-1"

    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    async with LightClient(access_token=provider, max_requests_per_minute=None) as light:
        await asyncio.gather(
            *(light.customers.update(CUSTOMER_ID, name=f"n{n}") for n in range(50))
        )
    assert calls == 1
    assert {r.headers["Authorization"] for r in httpx_mock.get_requests()} == {"Bearer token-1"}


async def test_fifty_calls_getting_401_refresh_once(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    tokens = iter(["old", "new", "newer"])
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return next(tokens)

    def answer(request: Any) -> Any:

        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"type": "UNAUTHORIZED", "message": "expired"})
        return httpx.Response(200, json=CUSTOMER)

    httpx_mock.add_callback(answer, is_reusable=True)
    async with LightClient(access_token=provider, max_requests_per_minute=None) as light:
        # All fifty fetch one token ("old"), all get 401 with it, all need a fresh one: one call.
        await asyncio.gather(
            *(light.customers.update(CUSTOMER_ID, name=f"n{n}") for n in range(50))
        )
    assert calls == 2
    sent = [r.headers["Authorization"] for r in httpx_mock.get_requests()]
    assert sent.count("Bearer old") == 50 and sent.count("Bearer new") == 50


def test_sync_threads_share_one_provider_call(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    calls = 0
    lock = threading.Lock()

    def provider() -> str:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.05)
        return "token-1"

    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    with (
        SyncLightClient(access_token=provider, max_requests_per_minute=None) as light,
        ThreadPoolExecutor(max_workers=20) as pool,
    ):
        list(pool.map(lambda n: light.customers.update(CUSTOMER_ID, name=f"n{n}"), range(20)))
    assert calls == 1


async def test_a_hanging_provider_is_bounded_by_the_timeout(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    async def provider() -> str:
        await asyncio.sleep(30)
        return "never"

    async with LightClient(access_token=provider, timeout=0.3) as light:
        started = time.monotonic()
        with pytest.raises(TokenProviderError) as caught:
            await light.customers.update(CUSTOMER_ID, name="a")
    assert time.monotonic() - started < 2
    assert str(caught.value) == "the access_token provider did not answer within 0.3 s"
    assert httpx_mock.get_requests() == []


def test_a_hanging_sync_provider_is_bounded_too(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    release = threading.Event()

    def provider() -> str:
        release.wait(10)
        return "late"

    with SyncLightClient(access_token=provider, timeout=0.3) as light:
        started = time.monotonic()
        with pytest.raises(TokenProviderError, match=r"did not answer within 0\.3 s"):
            light.customers.update(CUSTOMER_ID, name="a")
        assert time.monotonic() - started < 2
        release.set()


async def test_a_failing_provider_is_a_token_provider_error(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    async def provider() -> str:
        raise ConnectionError("identity provider down: client_secret=SECRET")

    async with LightClient(access_token=provider) as light:
        with pytest.raises(TokenProviderError) as caught:
            await light.customers.update(CUSTOMER_ID, name="a")
    assert str(caught.value) == "the access_token provider failed: ConnectionError"
    assert isinstance(caught.value.__cause__, ConnectionError)  # the details, for the user


TWO_LOOPS = """
import asyncio, sys
import httpx
from light_client import LightClient, LightError

base_url, api_key, customer_id = sys.argv[1:]
light = LightClient(api_key=api_key, base_url=base_url)
first = asyncio.run(light.customers.update(customer_id, name="a"))
second = asyncio.run(light.customers.update(customer_id, name="b"))  # a second asyncio.run
asyncio.run(light.aclose())
print(first.name, second.name)

async def own_pool() -> LightClient:
    mine = LightClient(api_key=api_key, base_url=base_url, http_client=httpx.AsyncClient())
    await mine.customers.update(customer_id, name="c")
    return mine

mine = asyncio.run(own_pool())
try:
    asyncio.run(mine.customers.update(customer_id, name="d"))
except LightError as error:
    print(type(error).__name__, error)
"""


def test_one_async_client_in_two_event_loops(light_mock: LightMock) -> None:
    """As a script does it, over real keep-alive connections (which belong to their loop).

    In a process of its own: the first loop's sockets can only be reclaimed by the garbage
    collector once asyncio.run() has closed that loop, which a test's warning filter reports.
    """
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            TWO_LOOPS,
            light_mock.base_url,
            light_mock.api_key,
            str(light_mock.customer_id),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "a b",
        "LightError this LightClient was first used in another event loop, and its http_client "
        "belongs to that loop: create the client (and its http_client) in the loop that uses it",
    ]
    assert light_mock.stats.statuses[200] == 3
