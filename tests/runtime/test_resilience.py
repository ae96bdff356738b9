"""Retries, idempotency keys and rate-limit waits through both clients (pytest-httpx).

Waits are made instant with the documented switch ``light_client.testing.instant_waits()``,
which also records them, so delays are asserted exactly and nothing sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LightClient,
    NotFoundError,
    RateLimitError,
    UnprocessableEntityError,
)
from light_client.testing import FakeClock, instant_waits
from tests._harness import CUSTOMER_ID, Kind, Light
from tests.conftest import API_KEY, FROZEN_NOW, load_json

CUSTOMER = load_json("seed_customer_response.json")


@pytest.fixture
def waits() -> Iterator[list[float]]:
    with instant_waits() as recorded:
        yield recorded


@pytest.fixture
async def light(kind: Kind, clean_env: pytest.MonkeyPatch) -> AsyncIterator[Light]:
    client = Light(kind, api_key=API_KEY)
    yield client
    await client.close()


@pytest.fixture
async def still(kind: Kind, frozen: FakeClock) -> AsyncIterator[Light]:
    """A client on the ``frozen`` clock: a wait counted from an answer comes out exact."""
    client = Light(kind, api_key=API_KEY, clock=frozen)
    yield client
    await client.close()


def keys(httpx_mock: HTTPXMock) -> list[str]:
    return [request.headers["X-Idempotency-Key"] for request in httpx_mock.get_requests()]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_retried_statuses(
    light: Light, httpx_mock: HTTPXMock, waits: list[float], status: int
) -> None:
    httpx_mock.add_response(status_code=status, json={"type": "X", "message": "try again"})
    httpx_mock.add_response(json=CUSTOMER)
    raw = await light.raw_update_customer(name="a")
    assert raw.attempts == 2
    assert len(httpx_mock.get_requests()) == 2
    assert len(waits) == 1
    assert 0.375 <= waits[0] <= 0.5  # first backoff: 0.5 s minus up to 25 % jitter


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (404, NotFoundError), (422, UnprocessableEntityError)],
)
async def test_not_retried_statuses(
    light: Light, httpx_mock: HTTPXMock, waits: list[float], status: int, error_class: type
) -> None:
    httpx_mock.add_response(status_code=status, json={"type": "X", "message": "no"})
    with pytest.raises(error_class):
        await light.update_customer(name="a")
    assert len(httpx_mock.get_requests()) == 1
    assert waits == []


async def test_gives_up_after_max_retries_with_the_last_error(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, json={"message": "first"})
    httpx_mock.add_response(status_code=502, json={"message": "second"})
    httpx_mock.add_response(status_code=409, json={"type": "CONFLICT", "message": "last"})
    with pytest.raises(ConflictError) as caught:
        await light.update_customer(name="a")
    assert caught.value.attempts == 3
    assert caught.value.reason == "no retries left (max_retries=2)"
    assert str(caught.value) == (
        "409 CONFLICT: last; no retries left (max_retries=2) (after 3 attempts)"
    )
    assert len(waits) == 2
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0


async def test_per_call_max_retries_zero(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=503)
    with pytest.raises(InternalServerError) as caught:
        await light.update_customer(name="a", max_retries=0)
    assert caught.value.attempts == 1
    assert len(httpx_mock.get_requests()) == 1


async def test_client_max_retries(
    kind: Kind, clean_env: Any, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    for _ in range(5):
        httpx_mock.add_response(status_code=500)
    httpx_mock.add_response(json=CUSTOMER)
    # No pacing: with waits instant the clock stands still, so six sends would also record the
    # pacing waits that the backoff waits make unnecessary in real time.
    light = Light(kind, api_key=API_KEY, max_retries=5, max_requests_per_minute=None)
    raw = await light.raw_update_customer(name="a")
    await light.close()
    assert raw.attempts == 6
    assert len(waits) == 5
    assert waits[-1] <= 8.0


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"retry-after-ms": "1250"}, 1.25),
        ({"Retry-After": "3"}, 3.0),
    ],
)
async def test_server_hint_is_the_wait(
    still: Light,
    httpx_mock: HTTPXMock,
    frozen: FakeClock,
    headers: dict[str, str],
    expected_wait: float,
) -> None:
    httpx_mock.add_response(status_code=503, headers=headers)
    httpx_mock.add_response(json=CUSTOMER)
    await still.update_customer(name="a")
    # A 503 that says when to come back pauses the client: the wait is counted from the answer.
    assert frozen.sleeps == [expected_wait]


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("hint", ["0", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"])
async def test_a_zero_negative_or_past_hint_is_no_reason_to_hammer(
    kind: Kind,
    frozen: FakeClock,
    httpx_mock: HTTPXMock,
    status: int,
    hint: str,
) -> None:
    for _ in range(3):
        httpx_mock.add_response(status_code=status, headers={"Retry-After": hint})
    httpx_mock.add_response(json=CUSTOMER)
    # No pacing of its own: with waits instant the clock stands still (see test_client_max_retries).
    light = Light(kind, api_key=API_KEY, max_retries=3, max_requests_per_minute=None, clock=frozen)
    await light.update_customer(name="a")
    await light.close()
    # The backoff applies, growing: 0.5 s, 1 s, 2 s (less up to 25 % jitter).
    assert len(frozen.sleeps) == 3
    for wait, base in zip(frozen.sleeps, [0.5, 1.0, 2.0], strict=True):
        assert base * 0.75 <= wait <= base


async def test_http_date_hint(light: Light, httpx_mock: HTTPXMock, waits: list[float]) -> None:
    from email.utils import formatdate

    httpx_mock.add_response(
        status_code=503, headers={"Retry-After": formatdate(time.time() + 10, usegmt=True)}
    )
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="a")
    (wait,) = waits
    assert 8.0 < wait <= 10.0


async def test_429_pauses_the_whole_client_until_reset(
    still: Light, httpx_mock: HTTPXMock, frozen: FakeClock
) -> None:
    reset = int(FROZEN_NOW) + 20
    httpx_mock.add_response(
        status_code=429, headers={"X-RateLimit-Reset": str(reset), "X-RateLimit-Remaining": "0"}
    )
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(json=CUSTOMER)
    await still.update_customer(name="a")
    await still.update_customer(name="b")  # another call: also held until the reset
    # ... and then released at the paced rate (300/min: 0.2 s apart), not at the same instant.
    assert frozen.sleeps == [20.0, pytest.approx(0.2)]


async def test_daily_limit_raises_at_once_and_holds_the_client(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(
        status_code=429,
        headers={"Retry-After": "3600"},
        json={"type": "X", "message": "daily limit"},
    )
    before = datetime.now(UTC)
    with pytest.raises(RateLimitError) as caught:
        await light.update_customer(name="a")
    first = caught.value
    assert (first.attempts, first.message) == (1, "daily limit")
    assert first.retry_at is not None
    assert 3599 <= (first.retry_at - before).total_seconds() <= 3601
    assert first.reason == "the server asked to wait 3600 s, over the 60 s the SDK waits for"
    # Until then the client sends nothing: the next call fails at once, saying why.
    with pytest.raises(RateLimitError) as caught:
        await light.update_customer(name="b")
    held = caught.value
    assert held.attempts == 0
    # The same instant, read back from the schedule's own clock (a hold is kept as a length).
    assert held.retry_at is not None
    assert abs((held.retry_at - first.retry_at).total_seconds()) < 0.01
    assert held.status_code == 429 and held.type == "TOO_MANY_REQUESTS"
    assert str(held).startswith("429 TOO_MANY_REQUESTS: not sent: Light's rate limit is used up")
    assert len(httpx_mock.get_requests()) == 1
    assert waits == []


async def test_x_should_retry_both_ways(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, headers={"x-should-retry": "false"})
    with pytest.raises(InternalServerError):
        await light.update_customer(name="a")
    httpx_mock.add_response(status_code=400, headers={"x-should-retry": "true"})
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="b")
    assert len(httpx_mock.get_requests()) == 3


async def test_idempotency_key_per_logical_call(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_exception(httpx.ReadError("reset"))
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="a")
    await light.update_customer(name="a")
    first, second, third, fourth = keys(httpx_mock)
    assert first == second == third
    assert fourth != first
    assert all(len(key) == 36 for key in (first, fourth))


async def test_callers_idempotency_key_is_kept(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=500)
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="a", idempotency_key="order-42-update")
    assert keys(httpx_mock) == ["order-42-update", "order-42-update"]


async def test_timeouts_are_retried(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="a")
    for _ in range(3):
        httpx_mock.add_exception(httpx.ConnectTimeout("slow"))
    with pytest.raises(APITimeoutError) as caught:
        await light.update_customer(name="a")
    assert caught.value.attempts == 3
    assert isinstance(caught.value.__cause__, httpx.ConnectTimeout)
    assert "after 3 attempts" in str(caught.value)


async def test_connection_errors_are_retried(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    for _ in range(3):
        httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as caught:
        await light.update_customer(name="a")
    assert caught.value.attempts == 3
    assert len(httpx_mock.get_requests()) == 3


async def test_cancellation_during_backoff_stops_at_once(
    clean_env: Any, httpx_mock: HTTPXMock
) -> None:
    # A 500 with a hint is a backoff of this call only (a 503 or 429 would pause the client).
    slow = {"retry-after-ms": "30000"}
    second_sent = asyncio.Event()

    def second_answer(request: httpx.Request) -> httpx.Response:
        second_sent.set()
        return httpx.Response(500, headers=slow)

    httpx_mock.add_response(status_code=500, headers=slow)
    httpx_mock.add_callback(second_answer)
    async with LightClient(api_key=API_KEY) as light:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await light.customers.update(CUSTOMER_ID, name="a")
        assert time.monotonic() - started < 5  # not the 30 s the server asked for
        assert len(httpx_mock.get_requests()) == 1
        task = asyncio.create_task(light.customers.update(CUSTOMER_ID, name="b"))
        await second_sent.wait()  # it is now heading into its 30 s backoff wait
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        httpx_mock.add_response(json=CUSTOMER)
        customer = await light.customers.update(CUSTOMER_ID, name="c")  # still works
    assert customer.id == CUSTOMER_ID


async def test_rate_limit_waits_do_not_use_up_retries(
    still: Light, httpx_mock: HTTPXMock, frozen: FakeClock
) -> None:
    for _ in range(4):
        httpx_mock.add_response(status_code=429, headers={"Retry-After": "1"})
    httpx_mock.add_response(json=CUSTOMER)
    raw = await still.raw_update_customer(name="a")  # max_retries is 2
    assert raw.attempts == 5
    assert frozen.sleeps == [1.0, 1.0, 1.0, 1.0]
    assert len(set(keys(httpx_mock))) == 1


async def test_rate_limit_waits_are_bounded(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    from light_client._core.constants import MAX_RATE_LIMIT_WAITS

    httpx_mock.add_response(status_code=429, headers={"Retry-After": "1"}, is_reusable=True)
    with pytest.raises(RateLimitError) as caught:
        await light.update_customer(name="a")
    assert caught.value.attempts == MAX_RATE_LIMIT_WAITS + 2 + 1  # waits, then max_retries, + 1


async def test_max_retries_zero_does_not_wait_out_429(
    light: Light, httpx_mock: HTTPXMock, waits: list[float]
) -> None:
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimitError):
        await light.update_customer(name="a", max_retries=0)
    assert len(httpx_mock.get_requests()) == 1
