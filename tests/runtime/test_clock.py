"""One clock: a client reads the time and waits only through the clock it is given."""

from __future__ import annotations

import ast
import importlib
import logging
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APITimeoutError,
    InternalServerError,
    InvalidArgumentError,
    RateLimitError,
)
from light_client.testing import FakeClock
from tests._harness import Kind, Light
from tests.conftest import API_KEY, FROZEN_NOW, load_json

CUSTOMER = load_json("seed_customer_response.json")


async def test_a_retry_after_date_is_read_against_the_clocks_wall_time(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # A date 7 s after the fake clock's now: long past on the real clock, so only a client
    # that reads the clock it was given waits exactly 7 s.
    date = formatdate(FROZEN_NOW + 7, usegmt=True)
    httpx_mock.add_response(status_code=503, headers={"Retry-After": date})
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    await light.update_customer(name="a")
    await light.close()
    assert frozen.sleeps == [7.0]


async def test_the_calls_timeout_runs_on_the_clock(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # 5 s for the call: after a 3 s pause, 2 s are left, too few for the next 3 s hint.
    httpx_mock.add_response(status_code=503, headers={"Retry-After": "3"}, is_reusable=True)
    light = Light(kind, api_key=API_KEY, clock=frozen, timeout=5, max_retries=5)
    with pytest.raises(InternalServerError) as caught:
        await light.update_customer(name="a")
    await light.close()
    assert caught.value.attempts == 2
    assert caught.value.reason == "the call's timeout runs out before a retry could be sent"
    assert frozen.sleeps == [3.0]


async def test_a_slot_after_the_deadline_is_a_timeout_before_the_wait(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # 2 a minute with a burst of 3: the fourth call's slot is 30 s away. Its first attempt
    # fails; after the backoff, the retry's slot is 30 s later still, after the call's 5 s
    # timeout: it gives up then, not after waiting for a slot it cannot use.
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    light = Light(kind, api_key=API_KEY, clock=frozen, max_requests_per_minute=2, timeout=5)
    for _ in range(3):
        await light.update_customer(name="a")
    httpx_mock.add_response(status_code=500)
    with pytest.raises(APITimeoutError, match=r"runs out before its next slot"):
        await light.update_customer(name="b")
    await light.close()
    first_slot, backoff = frozen.sleeps  # the retry's 30 s wait is never made
    assert first_slot == 30.0 and 0.375 <= backoff <= 0.5


@pytest.mark.parametrize(
    "module",
    [
        "light_client._runtime.engine",
        "light_client._runtime.policy",
        "light_client._runtime.prepare",
        "light_client._runtime.answers",
        "light_client.ratelimit._schedule",
    ],
)
def test_the_flow_and_the_policy_read_no_clock_of_their_own(module: str) -> None:
    # Not the time module, nor the system clock: their time comes with each reply.
    source = importlib.import_module(module).__file__
    assert source is not None
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    names = {
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Name | ast.Attribute)
    }
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {"time", "SYSTEM_CLOCK", "monotonic", "perf_counter"} & (names | imported)


class FailingStore:
    """A shared rate-limit store that is down: every change fails."""

    def apply(self, key: str, change: Any) -> Any:
        raise OSError("store down")

    async def aapply(self, key: str, change: Any) -> Any:
        raise OSError("store down")


async def test_the_fallback_pacing_runs_on_the_clock_too(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    # The shared store is down, so the client paces in-process: on its own clock, or a 429's
    # two-second pause would be measured against the real time (long past the fake one).
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "2"})
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen, rate_limit_store=FailingStore())
    with caplog.at_level(logging.WARNING, logger="light_client"):
        await light.update_customer(name="a")
    await light.close()
    assert frozen.sleeps == [2.0]
    assert "pacing in this process only" in caplog.text


async def test_a_slot_further_than_max_queue_wait_is_an_error_at_once_and_gives_it_back(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # 2 a minute with a burst of 3: the fourth call's slot is 30 s away, over the 10 s it may
    # wait before it is sent. It raises at once, unsent, saying what it would have needed.
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    light = Light(kind, api_key=API_KEY, clock=frozen, max_requests_per_minute=2, max_queue_wait=10)
    assert light.client.max_queue_wait == 10.0
    for _ in range(3):
        await light.update_customer(name="a")
    with pytest.raises(RateLimitError) as caught:
        await light.update_customer(name="b")
    error = caught.value
    assert (error.attempts, error.wait_needed, error.status_code) == (0, 30.0, 429)
    assert error.retry_at is not None
    assert error.retry_at.timestamp() == FROZEN_NOW + 30.0
    assert error.message == (
        "not sent: its rate-limit slot is 30.0 s away, and with the 0.0 s waited already that "
        "is over max_queue_wait (10 s)"
    )
    assert error.response.headers["Retry-After"] == "30"
    assert len(httpx_mock.get_requests()) == 3
    assert frozen.sleeps == []
    # Its slot was given back: a call that may wait (per call: None, no bound) gets it.
    await light.update_customer(name="c", max_queue_wait=None)
    assert frozen.sleeps == [30.0]
    await light.close()


async def test_max_queue_wait_defaults_to_three_minutes_and_is_checked(kind: Kind) -> None:
    light = Light(kind, api_key=API_KEY)
    assert light.client.max_queue_wait == 180.0
    assert light.client.with_options(max_queue_wait=None).max_queue_wait is None
    for bad, error in [
        ("5", TypeError),
        (True, TypeError),
        (-1, InvalidArgumentError),  # a LightError and a ValueError
        (float("nan"), InvalidArgumentError),
    ]:
        with pytest.raises(error, match="max_queue_wait must be seconds >= 0 or None"):
            Light(kind, api_key=API_KEY, max_queue_wait=bad)
        with pytest.raises(error, match="max_queue_wait must be seconds >= 0 or None"):
            await light.update_customer(name="a", max_queue_wait=bad)
    await light.close()


async def test_a_clock_behind_the_servers_reads_its_times_against_the_servers_date(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    # This host is 30 s behind the server. Its Retry-After date is 2 s after its Date: the
    # wait is those 2 s (from the middle of the Date's second), not 32 s.
    server_now = FROZEN_NOW + 30
    httpx_mock.add_response(
        status_code=429,
        headers={
            "Date": formatdate(server_now, usegmt=True),
            "Retry-After": formatdate(server_now + 2, usegmt=True),
        },
    )
    httpx_mock.add_response(
        json=CUSTOMER, headers={"Date": formatdate(server_now, usegmt=True)}, is_reusable=True
    )
    light = Light(kind, api_key=API_KEY, clock=frozen)
    with caplog.at_level(logging.WARNING, logger="light_client"):
        await light.update_customer(name="a")
        await light.update_customer(name="b")
    await light.close()
    # The pause, then the next call paced after the first.
    assert [round(wait, 3) for wait in frozen.sleeps] == [1.5, 0.2]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning == (
        "this host's clock is -30 s off the server's (its Date header): the server's rate-limit "
        "times are read against its clock"
    )


async def test_a_clock_behind_the_servers_does_not_slow_the_pace_for_good(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # 300 a minute, the window resetting 60 s after the server's now: the pace stays one per
    # 0.2 s (with the margin: 60 s / 291). Read against this clock, 30 s behind, the window
    # would be 90 s: one per 0.31 s, for the client's whole life.
    server_now = FROZEN_NOW + 30
    headers = {
        "Date": formatdate(server_now, usegmt=True),
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "299",
        "X-RateLimit-Reset": str(int(server_now + 60)),
    }
    httpx_mock.add_response(json=CUSTOMER, headers=headers, is_reusable=True)
    light = Light(kind, api_key=API_KEY, clock=frozen, max_requests_per_minute=None)
    for _ in range(4):
        await light.update_customer(name="a")
    await light.close()
    assert [round(wait, 3) for wait in frozen.sleeps] == [0.203, 0.203]  # after the first two


async def test_a_retry_past_max_queue_wait_still_goes_and_a_lost_answer_stays_unknown(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # max_queue_wait bounds the wait before the first send only. Here the first answer is
    # lost and the retry's slot is 30 s away, over the 10 s: the retry waits its slot (the
    # call's timeout is what bounds it), and is sent.
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_exception(httpx.ReadError("reset after sending"))
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen, max_requests_per_minute=2, max_queue_wait=10)
    for _ in range(3):
        await light.update_customer(name="a")
    frozen.advance(30.0)  # the fourth slot is now; the retry's is 30 s after it
    customer = await light.update_customer(name="b")
    assert str(customer.id) == CUSTOMER["id"]
    assert len(httpx_mock.get_requests()) == 5
    backoff, slot = frozen.sleeps  # the backoff (jittered), then the rest of the 30 s to the slot
    assert round(backoff + slot, 6) == 30.0 and slot > 10
    await light.close()


async def test_a_retry_the_timeout_cuts_off_after_a_lost_answer_says_the_update_may_be_applied(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_response(json=CUSTOMER, is_reusable=False)
    httpx_mock.add_exception(httpx.ReadError("reset after sending"))
    light = Light(kind, api_key=API_KEY, clock=frozen, max_requests_per_minute=2, timeout=5)
    for _ in range(3):
        await light.update_customer(name="a")
    frozen.advance(30.0)
    with pytest.raises(APITimeoutError) as caught:
        await light.update_customer(name="b")
    error = caught.value
    assert (error.attempts, error.outcome_unknown) == (1, True)
    assert "the update may have been applied" in str(error)
    assert len(httpx_mock.get_requests()) == 4
    await light.close()
