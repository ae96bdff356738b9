"""A write the server cannot deduplicate is never sent twice; one it can is resent with its key."""

from __future__ import annotations

import socket
import struct
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    LightClient,
    SyncLightClient,
)
from light_client.mock import Faults, LightMock
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID, Kind, Light
from tests._servers import RawServer, http_answer
from tests.conftest import API_KEY, free_port, load_json

CUSTOMER = load_json("seed_customer_response.json")


async def archive(light: Light) -> object:
    if isinstance(light.client, LightClient):
        return await light.client.customers.archive(CUSTOMER_ID)
    return light.client.customers.archive(CUSTOMER_ID)


async def create(light: Light, **params: object) -> object:
    if isinstance(light.client, LightClient):
        return await light.client.customers.create(name="Acme ApS", **params)  # type: ignore[arg-type]
    return light.client.customers.create(name="Acme ApS", **params)  # type: ignore[arg-type]


async def test_a_post_without_a_key_that_timed_out_is_not_resent(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"))
    light = Light(kind, api_key=API_KEY, clock=frozen)
    with pytest.raises(APITimeoutError) as caught:
        await archive(light)
    await light.close()
    assert len(httpx_mock.get_requests()) == 1
    assert caught.value.attempts == 1
    assert caught.value.reason is not None and caught.value.reason.startswith("not resent")
    assert frozen.sleeps == []


@pytest.mark.parametrize(
    "first",
    [
        httpx.ConnectError("refused"),  # never left: safe to send
        httpx.Response(429, headers={"Retry-After": "1"}),  # refused before doing anything
    ],
    ids=["connect-error", "429"],
)
async def test_a_post_without_a_key_is_resent_when_it_provably_did_nothing(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, first: httpx.Response | Exception
) -> None:
    if isinstance(first, Exception):
        httpx_mock.add_exception(first)
    else:
        httpx_mock.add_response(status_code=first.status_code, headers=first.headers)
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    await archive(light)
    await light.close()
    assert [request.method for request in httpx_mock.get_requests()] == ["POST", "POST"]


async def test_a_create_with_its_key_is_resent_with_the_same_key(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"))
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    await create(light)
    await light.close()
    first, second = httpx_mock.get_requests()
    assert first.headers["X-Idempotency-Key"] == second.headers["X-Idempotency-Key"]
    assert first.content == second.content == b'{"name":"Acme ApS"}'


def test_against_a_server_that_applies_then_loses_the_answer() -> None:
    """The mock applies the archive and drops its answer: the SDK does not send it again."""
    with (
        LightMock(faults=Faults(dropped=1.0)) as mock,
        SyncLightClient(
            api_key=mock.api_key,
            base_url=mock.base_url,
            max_requests_per_minute=None,
            strict_response_validation=True,
        ) as light,
    ):
        with pytest.raises(APIConnectionError):
            light.customers.archive(mock.customer_id)
        assert mock.stats.requests == 1
        archived = mock.store.get("Customer", mock.customer_id)
        assert archived is not None and archived["status"] == "ARCHIVED"
        # With its key, a create is sent again and applied once.
        mock.faults.dropped = 0.0
        first = light.customers.create(name="Once", idempotency_key="create-once")
        again = light.customers.create(name="Once", idempotency_key="create-once")
        assert first.id == again.id
        assert [c["name"] for c in mock.store.resources["Customer"].values()].count("Once") == 1


def _reset(conn: socket.socket, request: bytes) -> None:
    """Take the request, then reset the connection: the server may have applied it."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _corrupt_gzip(conn: socket.socket, request: bytes) -> None:
    corrupt = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff\xfe\xfd not deflate"
    conn.sendall(http_answer(200, corrupt, "Content-Encoding: gzip"))


@pytest.mark.parametrize("handler", [_reset, _corrupt_gzip], ids=["reset", "corrupt-gzip"])
async def test_an_answer_lost_after_sending_says_the_write_may_have_happened(
    kind: Kind, handler: Any
) -> None:
    with RawServer(handler) as server:
        light = Light(kind, api_key=API_KEY, base_url=server.url, max_retries=0)
        with pytest.raises(APIConnectionError) as caught:
            await light.update_customer(name="Acme")
        await light.close()
    error = caught.value
    assert error.outcome_unknown is True and not isinstance(error, APITimeoutError)
    assert len(server.requests) == 1  # sent once: no retry of a write that may have happened
    assert "the answer was lost after the request was sent (" in str(error)
    assert (
        "): the write may have been applied; fetch the resource, or send it again with the same "
        "idempotency key, before sending it as a new one"
    ) in str(error)


async def test_a_request_that_never_left_says_so(kind: Kind) -> None:
    light = Light(kind, api_key=API_KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(APIConnectionError) as caught:
        await light.update_customer(name="Acme")
    await light.close()
    assert caught.value.outcome_unknown is False
    assert str(caught.value).startswith("connection failed: ConnectError")


async def test_an_answer_lost_on_an_earlier_attempt_stays_unknown(kind: Kind) -> None:
    # Attempt 1 reaches the server and its answer is lost; attempt 2 gets a 503: the update
    # may still have been applied by the first, and the error says so.
    busy = http_answer(503, b'{"type": "UNAVAILABLE", "message": "later"}')
    seen: list[bytes] = []

    def reset_then_busy(conn: socket.socket, request: bytes) -> None:
        seen.append(request)
        if len(seen) == 1:
            _reset(conn, request)
        else:
            conn.sendall(busy)

    with RawServer(reset_then_busy) as server:
        light = Light(kind, api_key=API_KEY, base_url=server.url, max_retries=1)
        with pytest.raises(APIStatusError) as caught:
            await light.update_customer(name="Acme")
        await light.close()
    assert (caught.value.status_code, caught.value.attempts) == (503, 2)
    assert caught.value.outcome_unknown is True
