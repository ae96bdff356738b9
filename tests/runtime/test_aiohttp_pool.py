"""``transport="aiohttp"`` sends on aiohttp directly (``aiohttp_pool``): the same bytes on the
wire, the same answers, and the same errors as the default pool, on real loopback sockets."""

from __future__ import annotations

import gzip
import json
import socket
import struct
import time

import httpx
import pytest

from light_client import APIConnectionError, APITimeoutError, LightClient, ResponseTooLargeError
from light_client._runtime.aiohttp_pool import AiohttpPool
from tests._harness import CUSTOMER_ID, Kind, Light
from tests._servers import RawServer, http_answer, read_request
from tests.conftest import API_KEY, free_port, load_json
from tests.contract.test_size import gzip_bomb
from tests.contract.test_time import drip
from tests.runtime.test_writes_sent_once import _corrupt_gzip, _reset

CUSTOMER = {**load_json("seed_customer_response.json"), "id": str(CUSTOMER_ID)}
KEY = "5b8e2a4c-3d1f-4e6a-9b7c-2f0d1e3a4b5c"


def _wire(server: RawServer) -> tuple[list[str], bytes]:
    """The request line and headers (names lowercased, sorted) and body the server read."""
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = sorted(
        f"{name.lower()}: {value.strip()}"
        for name, _, value in (line.partition(":") for line in lines[1:])
    )
    return [lines[0], *headers], body


async def test_the_same_request_bytes_as_the_default_pool() -> None:
    answer = http_answer(200, json.dumps(CUSTOMER).encode(), "Content-Type: application/json")
    seen = {}
    kinds: tuple[Kind, ...] = ("async", "aiohttp")
    for kind in kinds:
        with RawServer(lambda conn, _: conn.sendall(answer)) as server:
            light = Light(kind, api_key=API_KEY, base_url=server.url)
            await light.update_customer(name="Acme ApS", email=None, idempotency_key=KEY)
            await light.close()
        seen[kind] = _wire(server)
    lines, body = seen["aiohttp"]
    assert body == b'{"name":"Acme ApS","email":null}'
    assert lines[0] == f"PATCH /v1/customers/{CUSTOMER_ID} HTTP/1.1"
    assert f"authorization: Basic {API_KEY}" in lines
    assert f"x-idempotency-key: {KEY}" in lines
    assert "accept-encoding: gzip, deflate" in lines  # what aiohttp decodes, always
    # Header for header the default pool's, but for what each pool says of itself.
    differ = ("accept-encoding:", "connection:", "host:", "user-agent:")

    def ours(lines: list[str]) -> list[str]:
        return [line for line in lines if not line.startswith(differ)]

    assert ours(lines) == ours(seen["async"][0]) and body == seen["async"][1]
    ua = [line for line in lines if line.startswith("user-agent:")]
    assert ua == [line for line in seen["async"][0] if line.startswith("user-agent:")]


async def test_a_gzip_answer_is_read_and_a_kept_alive_connection_reused() -> None:
    packed = gzip.compress(json.dumps(CUSTOMER).encode())
    answer = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(packed)}\r\n\r\n"
    ).encode() + packed
    served: list[int] = []  # requests, per connection

    def keep_alive(conn: socket.socket, request: bytes) -> None:
        served.append(0)
        while request:
            served[-1] += 1
            conn.sendall(answer)
            request = read_request(conn)

    with RawServer(keep_alive) as server:
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url)
        first = await light.update_customer(name="a")
        second = await light.update_customer(name="b")
        await light.close()
    assert first.name == second.name == CUSTOMER["name"]
    assert served == [2]  # both on one connection


@pytest.mark.parametrize("handler", [_reset, _corrupt_gzip], ids=["reset", "corrupt-gzip"])
async def test_an_answer_lost_after_sending_may_have_been_applied(handler: object) -> None:
    with RawServer(handler) as server:  # type: ignore[arg-type]
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url, max_retries=0)
        with pytest.raises(APIConnectionError) as caught:
            await light.update_customer(name="Acme")
        await light.close()
    assert caught.value.outcome_unknown is True and not isinstance(caught.value, APITimeoutError)
    assert len(server.requests) == 1
    assert "the write may have been applied" in str(caught.value)


async def test_a_request_that_never_left_says_so() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    light = Light("aiohttp", api_key=API_KEY, base_url=url, max_retries=0)
    with pytest.raises(APIConnectionError) as caught:
        await light.update_customer(name="Acme")
    await light.close()
    assert caught.value.outcome_unknown is False
    assert str(caught.value).startswith("connection failed: ConnectError")


async def test_a_gzip_bomb_is_not_inflated_past_the_limit() -> None:
    bomb = http_answer(200, gzip_bomb(), "Content-Encoding: gzip")
    with RawServer(lambda conn, _: conn.sendall(bomb)) as server:
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url, max_retries=0)
        with pytest.raises(ResponseTooLargeError) as caught:
            await light.update_customer(name="a")
        await light.close()
    assert (caught.value.limit, caught.value.status_code) == (4 * 1024 * 1024, 200)


async def test_the_timeout_bounds_the_whole_call() -> None:
    with RawServer(drip) as server:
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url, timeout=2)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await light.update_customer(name="a")
        elapsed = time.monotonic() - started
        await light.close()
    assert elapsed < 3.5 and caught.value.attempts == 1 and len(server.requests) == 1


async def test_the_pool_answers_httpx_calls_too() -> None:
    # Not the SDK's way (its driver sends with light_exchange), but the pool is an httpx
    # client: a plain send works, body read and decoded.
    packed = gzip.compress(b'{"ok": true}')
    answer = http_answer(200, packed, "Content-Encoding: gzip")
    with RawServer(lambda conn, _: conn.sendall(answer)) as server:
        pool = AiohttpPool(httpx.Timeout(5))
        response = await pool.get(server.url + "/anything")
        await pool.aclose()
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert pool.is_closed


async def test_a_client_on_it_is_an_aiohttp_pool() -> None:
    async with LightClient(api_key=API_KEY, transport="aiohttp") as light:
        assert isinstance(light._http, AiohttpPool)


async def test_a_dropped_kept_alive_connection_is_not_resent_behind_the_sdks_back() -> None:
    # aiohttp resends a GET, PUT or DELETE once on a kept-alive connection that drops: the
    # second send would bypass the SDK's retry policy and rate limiter, and a failure to
    # reconnect would report a request the server read as never sent.
    body = json.dumps(CUSTOMER).encode()
    answer = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    def answer_then_drop(conn: socket.socket, request: bytes) -> None:
        conn.sendall(answer)
        read_request(conn)  # the second request is read, and never answered
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with RawServer(answer_then_drop) as server:
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url, max_retries=0)
        assert isinstance(light.client, LightClient)
        await light.client.customers.get(CUSTOMER_ID)
        with pytest.raises(APIConnectionError) as caught:
            await light.client.customers.get(CUSTOMER_ID)
        await light.close()
    assert len(server.requests) == 1  # one connection: nothing sent again on a new one
    assert str(caught.value).startswith("the answer was lost after the request was sent (")


async def test_elapsed_is_set_as_httpx_sets_it() -> None:
    answer = http_answer(200, json.dumps(CUSTOMER).encode(), "Content-Type: application/json")
    with RawServer(lambda conn, _: conn.sendall(answer)) as server:
        light = Light("aiohttp", api_key=API_KEY, base_url=server.url)
        assert isinstance(light.client, LightClient)
        raw = await light.client.customers.with_raw_response.update(CUSTOMER_ID, name="a")
        await light.close()
    assert 0 < raw.http_response.elapsed.total_seconds() < 5


async def test_a_closed_pool_sends_nothing() -> None:
    answer = http_answer(200, json.dumps(CUSTOMER).encode())
    with RawServer(lambda conn, _: conn.sendall(answer)) as server:
        pool = AiohttpPool(httpx.Timeout(5))
        await pool.aclose()
        with pytest.raises(RuntimeError, match="the client has been closed"):
            await pool.get(server.url)
    assert server.requests == [] and pool._session is None
