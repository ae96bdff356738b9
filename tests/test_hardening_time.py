"""Time: a call's timeout bounds slow reads; token providers are single-flight and bounded."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import APITimeoutError, LightClient, SyncLightClient, TokenProviderError
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
        import httpx

        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"type": "UNAUTHORIZED", "message": "expired"})
        return httpx.Response(200, json=CUSTOMER)

    httpx_mock.add_callback(answer, is_reusable=True)
    async with LightClient(access_token=provider, max_requests_per_minute=None) as light:
        await light.customers.update(CUSTOMER_ID, name="first")  # fetches "old", refreshes
        assert calls == 2
        await asyncio.gather(
            *(light.customers.update(CUSTOMER_ID, name=f"n{n}") for n in range(50))
        )
    assert calls == 2


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


def test_one_async_client_in_two_event_loops(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    light = LightClient(api_key="k")
    first = asyncio.run(light.customers.update(CUSTOMER_ID, name="a"))
    second = asyncio.run(light.customers.update(CUSTOMER_ID, name="b"))  # a second asyncio.run
    asyncio.run(light.aclose())
    assert first.id == second.id == CUSTOMER_ID
