"""The retry policy and the pacer as plain functions: no network, no sleeping."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from light_client._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from light_client._pacing import RequestPacer
from light_client._retries import (
    backoff_delay,
    is_retryable_status,
    retry_decision,
    server_wait,
)

NOW = 1_800_000_000.0


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 422, 200, 303])
def test_not_retryable_statuses(status: int) -> None:
    assert not is_retryable_status(status, {})


def test_x_should_retry_overrides_both_ways() -> None:
    assert not is_retryable_status(503, {"x-should-retry": "false"})
    assert is_retryable_status(400, {"x-should-retry": "true"})
    assert is_retryable_status(503, {"x-should-retry": "maybe"})


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (503, {"retry-after-ms": "1500"}, 1.5),
        (503, {"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        (429, {"retry-after": "3"}, 3.0),
        (429, {"retry-after": "0.5"}, 0.5),
        (503, {"retry-after": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0),
        (503, {"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        (429, {"x-ratelimit-reset": str(int(NOW + 12))}, 12.0),
        (503, {"x-ratelimit-reset": str(int(NOW + 12))}, None),
        (429, {"retry-after": "soon"}, None),
        (503, {}, None),
    ],
)
def test_server_wait_hints(status: int, headers: dict[str, str], wait: float | None) -> None:
    assert server_wait(status, headers, NOW) == wait


def test_backoff_grows_and_is_capped() -> None:
    no_jitter = random.Random()
    no_jitter.random = lambda: 0.0  # type: ignore[method-assign]
    full_jitter = random.Random()
    full_jitter.random = lambda: 1.0  # type: ignore[method-assign]
    assert [backoff_delay(n, no_jitter) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_delay(0, full_jitter) == INITIAL_RETRY_DELAY * (1 - RETRY_JITTER)
    assert backoff_delay(10, full_jitter) == MAX_RETRY_DELAY * (1 - RETRY_JITTER)


def test_decision_uses_the_hint_and_the_retry_budget() -> None:
    decide = retry_decision
    assert (
        decide(response(503, retry_after="2"), retries_done=0, max_retries=2, now=NOW).delay == 2.0
    )
    assert not decide(response(503), retries_done=2, max_retries=2, now=NOW).retry
    assert not decide(response(503), retries_done=0, max_retries=0, now=NOW).retry
    assert not decide(response(404), retries_done=0, max_retries=2, now=NOW).retry
    assert decide(httpx.ConnectError("x"), retries_done=0, max_retries=2, now=NOW).retry
    assert decide(httpx.ReadTimeout("x"), retries_done=1, max_retries=2, now=NOW).retry


def test_a_hint_beyond_the_cap_is_not_waited_out() -> None:
    too_long = str(int(MAX_RETRY_AFTER) + 1)
    decision = retry_decision(
        response(429, retry_after=too_long), retries_done=0, max_retries=2, now=NOW
    )
    assert not decision.retry
    assert decision.reason == f"the server asked to wait {too_long} s, over 60 s"
    at_cap = retry_decision(response(429, retry_after="60"), retries_done=0, max_retries=2, now=NOW)
    assert (at_cap.retry, at_cap.delay) == (True, 60.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pacer_keeps_a_sliding_window() -> None:
    clock = Clock()
    pacer = RequestPacer(3, 60.0, clock=clock, wall_clock=lambda: NOW)
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve() == 60.0  # the 4th waits for the 1st to leave the window
    assert pacer.reserve() == 60.0
    clock.now += 30
    assert pacer.reserve() == 30.0
    assert pacer.reserve() == 90.0  # FIFO: behind the booking made before it


def test_pacer_off_still_obeys_pauses() -> None:
    clock = Clock()
    pacer = RequestPacer(None, 60.0, clock=clock, wall_clock=lambda: NOW)
    assert [pacer.reserve() for _ in range(1000)] == [0.0] * 1000
    pacer.pause_for(5)
    assert pacer.reserve() == 5.0


def test_pacer_learns_from_rate_limit_headers() -> None:
    clock = Clock()
    pacer = RequestPacer(300, 60.0, clock=clock, wall_clock=lambda: NOW + clock.now - 1000)
    pacer.observe(200, {"x-ratelimit-remaining": "5", "x-ratelimit-reset": str(NOW + 20)})
    assert pacer.reserve() == 0.0
    pacer.observe(200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(NOW + 20)})
    assert pacer.reserve() == 20.0
    clock.now += 20
    pacer.observe(429, {"x-ratelimit-reset": str(NOW + 45)})
    assert pacer.reserve() == 25.0
    pacer.observe(200, {"x-ratelimit-remaining": "junk", "x-ratelimit-reset": "x"})


def test_pacer_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_requests"):
        RequestPacer(0, 60.0)


def test_pacer_never_pauses_beyond_the_cap() -> None:
    clock = Clock()
    pacer = RequestPacer(300, 60.0, clock=clock, wall_clock=lambda: NOW)
    a_day = str(NOW + 86_400)
    assert not pacer.observe(200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": a_day})
    assert not pacer.observe(429, {"retry-after": "3600"})
    assert pacer.reserve() == 0.0  # calls go on (and fail with the server's 429) instead
    assert pacer.observe(429, {"retry-after": "60"})
    assert pacer.reserve() == 60.0
