"""``LightClient(transport="aiohttp")``: the SDK's own pool on aiohttp, with the same behaviour."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx
import pytest

from light_client import (
    APIConnectionError,
    LightClient,
    LightError,
    MissingExtraError,
    NotFoundError,
)
from light_client._runtime.aiohttp_pool import AiohttpPool
from light_client.mock import LightMock
from tests._harness import CUSTOMER_ID
from tests._servers import RawServer, http_answer
from tests.conftest import load_json

CUSTOMER = load_json("seed_customer_response.json")


async def test_an_update_over_aiohttp_reaches_the_mock(light_mock: LightMock) -> None:
    async with LightClient(
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        transport="aiohttp",
        strict_response_validation=True,
    ) as light:
        customer = await light.customers.update(light_mock.customer_id, name="Acme Aio", email=None)
        assert isinstance(light._http, AiohttpPool)
        with pytest.raises(NotFoundError) as caught:
            await light.customers.update("00000000-0000-4000-8000-000000000000", name="x")
    assert (customer.name, customer.email) == ("Acme Aio", None)
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert stored is not None and stored["name"] == "Acme Aio"
    assert caught.value.status_code == 404
    assert light._http.is_closed  # the SDK's own pool: closed with the client


def test_a_second_event_loop_is_an_error_not_an_unclosable_pool(light_mock: LightMock) -> None:
    light = LightClient(
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        transport="aiohttp",
        strict_response_validation=True,
    )

    async def update() -> None:
        await light.customers.update(light_mock.customer_id, name="Loop")

    async def update_and_close() -> None:
        try:
            await update()
        finally:
            await light.aclose()

    asyncio.run(update_and_close())
    with pytest.raises(LightError) as caught:
        asyncio.run(update())
    assert "was first used in another event loop" in str(caught.value)


def test_the_default_transport_is_httpx() -> None:
    http = LightClient(api_key="k")._http
    assert isinstance(http, httpx.AsyncClient) and not isinstance(http, AiohttpPool)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"transport": "curl"}, 'transport must be "httpx" or "aiohttp", got \'curl\''),
        (
            {"transport": "aiohttp", "http_client": httpx.AsyncClient()},
            "pass transport= or http_client=, not both",
        ),
    ],
)
def test_bad_transport_arguments(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        LightClient(api_key="k", **arguments)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_without_aiohttp_installed_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.delitem(sys.modules, "light_client._runtime.aiohttp_pool", raising=False)
    with pytest.raises(MissingExtraError) as caught:
        LightClient(api_key="k", transport="aiohttp")
    assert str(caught.value) == (
        'transport="aiohttp" needs the [aiohttp] extra (aiohttp is not installed): '
        "pip install 'light-inc[aiohttp]'"
    )
    assert (caught.value.extra, caught.value.name) == ("aiohttp", "aiohttp")


def test_the_aiohttp_pool_keeps_no_cookies() -> None:
    # aiohttp's session has a cookie jar of its own, under httpx's. (By name, not by IP: an
    # aiohttp jar ignores the cookies of an IP host, which would hide a jar that keeps them.)
    body = json.dumps({**CUSTOMER, "id": str(CUSTOMER_ID)}).encode()
    answer = http_answer(200, body, "Content-Type: application/json", "Set-Cookie: s=tenant-a")

    async def two_updates(url: str) -> None:
        async with LightClient(api_key="k", base_url=url, transport="aiohttp") as light:
            await light.customers.update(CUSTOMER_ID, name="a")
            await light.customers.update(CUSTOMER_ID, name="b")

    with RawServer(lambda conn, _: conn.sendall(answer)) as server:
        asyncio.run(two_updates(server.url.replace("127.0.0.1", "localhost")))
    assert len(server.requests) == 2
    assert [b"cookie:" in request.lower() for request in server.requests] == [False, False]


async def test_the_default_pool_queues_calls_in_its_gate_within_the_pool_timeout() -> None:
    # 100 connections, each held 1 s by the server: the 101st call waits in the SDK's gate
    # (not in httpcore's queue, which costs CPU per waiter: make bench-tenants shows it) and,
    # past the pool timeout, is a connection error that says nothing was sent, as it was when
    # it waited in httpcore's queue.
    body = json.dumps({**CUSTOMER, "id": str(CUSTOMER_ID)}).encode()
    answer = http_answer(200, body, "Content-Type: application/json")

    def slow(conn: object, _: bytes) -> None:
        time.sleep(1.0)
        conn.sendall(answer)  # type: ignore[attr-defined]

    with RawServer(slow) as server:
        async with LightClient(
            api_key="k",
            base_url=server.url,
            max_retries=0,
            max_requests_per_minute=None,
            timeout=httpx.Timeout(10, pool=0.3),
        ) as light:
            results = await asyncio.gather(
                *(light.customers.update(CUSTOMER_ID, name="a") for _ in range(101)),
                return_exceptions=True,
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            # The gate let every place go: the next call is sent at once.
            assert (await light.customers.update(CUSTOMER_ID, name="b")).id == CUSTOMER_ID
    assert len(errors) == 1 and isinstance(errors[0], APIConnectionError)
    assert errors[0].outcome_unknown is False and "PoolTimeout" in str(errors[0])
    assert len(server.requests) == 101  # 100, then the one after
