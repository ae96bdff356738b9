"""The policy as plain functions: no network, no sleeping, no clock."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from light_client._core.constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from light_client._runtime.policy import (
    CallState,
    Decision,
    Pause,
    Raise,
    Retry,
    Wait,
    backoff_delay,
    decide,
    is_retryable_status,
    server_wait,
    slot_decision,
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


FIXED = random.Random(0)
FIRST_BACKOFF = backoff_delay(0, random.Random(0))


def state(max_retries: int = 2, **used: int | bool) -> CallState:
    return CallState(max_retries, **used)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "call", "decision"),
    [
        # Statuses never retried raise with no reason of the SDK's own: the status says it all.
        (response(400), state(), Raise(None)),
        (response(404, retry_after="1"), state(), Raise(None)),
        # ... even when they say nothing is left of the rate limit (a 400 is not a 429).
        (
            response(400, x_ratelimit_remaining="0", x_ratelimit_reset=str(int(NOW + 9))),
            state(),
            Raise(None),
        ),
        (response(401), state(), Raise(None)),
        (
            response(401),
            state(can_refresh_token=True),
            Retry(0.0, "401: asking the token provider for a fresh token", False, True),
        ),
        # 5xx and transport errors: backoff, or the server's hint; each costs a retry.
        (response(500), state(), Retry(FIRST_BACKOFF, f"500: retrying in {FIRST_BACKOFF:.2f} s")),
        (response(502, retry_after="2"), state(), Retry(2.0, "502: retrying in 2.00 s")),
        (
            httpx.ConnectError("x"),
            state(),
            Retry(FIRST_BACKOFF, f"ConnectError: retrying in {FIRST_BACKOFF:.2f} s"),
        ),
        (response(503), state(), Retry(FIRST_BACKOFF, f"503: retrying in {FIRST_BACKOFF:.2f} s")),
        # A 503 that says when to come back, and every 429, pause the whole client.
        (
            response(503, retry_after="2"),
            state(),
            Pause(NOW + 2, "503: the client waits 2.00 s", costs_retry=True),
        ),
        (response(429, retry_after="3"), state(), Pause(NOW + 3, "429: the client waits 3.00 s")),
        (
            response(429),
            state(),
            Pause(NOW + FIRST_BACKOFF, f"429: the client waits {FIRST_BACKOFF:.2f} s"),
        ),
        # A 429's pause is free while the call has rate-limit waits left, even with no retries.
        (
            response(429, retry_after="1"),
            state(retries_done=2, rate_limit_waits=7),
            Pause(NOW + 1, "429: the client waits 1.00 s"),
        ),
        (
            response(429, retry_after="1"),
            state(retries_done=1, rate_limit_waits=8),
            Pause(NOW + 1, "429: the client waits 1.00 s", costs_retry=True),
        ),
        (
            response(429, retry_after="1"),
            state(retries_done=2, rate_limit_waits=8),
            Raise("no retries left (max_retries=2)", NOW + 1),
        ),
        (response(503), state(retries_done=2), Raise("no retries left (max_retries=2)")),
        (httpx.ReadTimeout("x"), state(retries_done=2), Raise("no retries left (max_retries=2)")),
        # max_retries=0: nothing is ever sent again.
        (response(429, retry_after="1"), state(0), Raise("not retried (max_retries=0)", NOW + 1)),
        (response(503), state(0), Raise("not retried (max_retries=0)")),
        # A wait over the cap (a daily limit) is not waited out; a 429's holds the client.
        (
            response(429, retry_after="61"),
            state(),
            Raise("the server asked to wait 61 s, over the 60 s the SDK waits for", NOW + 61, True),
        ),
        (
            response(503, retry_after="3600"),
            state(),
            Raise("the server asked to wait 3600 s, over the 60 s the SDK waits for", NOW + 3600),
        ),
        (
            response(429, retry_after="60"),
            state(),
            Pause(NOW + 60, "429: the client waits 60.00 s"),
        ),
        # x-should-retry wins both ways.
        (
            response(400, x_should_retry="true"),
            state(),
            Retry(FIRST_BACKOFF, f"400: retrying in {FIRST_BACKOFF:.2f} s"),
        ),
        (response(503, x_should_retry="false", retry_after="1"), state(), Raise(None)),
        # Not an HTTP failure at all: not the policy's to retry.
        (ValueError("bug"), state(), Raise(None)),
    ],
)
def test_decide(outcome: httpx.Response | Exception, call: CallState, decision: Decision) -> None:
    assert decide(outcome, call, now=NOW, rng=random.Random(0)) == decision


def test_a_429_reset_within_its_retry_after_second_is_exact() -> None:
    # Retry-After is whole seconds; X-RateLimit-Reset says when within that second.
    headers = {"retry-after": "1", "x-ratelimit-reset": str(NOW + 0.4)}
    assert server_wait(429, headers, NOW) == pytest.approx(0.4)
    # A reset that disagrees with Retry-After by more than its rounding is not taken.
    headers = {"retry-after": "5", "x-ratelimit-reset": str(NOW + 0.4)}
    assert server_wait(429, headers, NOW) == 5.0


@pytest.mark.parametrize(
    ("wait", "hold_left", "deadline", "expected"),
    [
        (0.0, 0.0, None, Wait(0.0)),
        (0.2, 0.0, 105.0, Wait(0.2)),
        # The deadline exactly at the slot: still in time.
        (5.0, 0.0, 105.0, Wait(5.0)),
        # A slot after the deadline: give up now rather than wait for it.
        (
            5.1,
            0.0,
            105.0,
            Raise("the call's timeout (5.0 s) runs out before its next slot", timeout=True),
        ),
        # Held until a daily limit resets: raise at once, held, whatever the deadline.
        (7200.0, 7200.0, None, Raise("held", held=True)),
        (7200.0, 7200.0, 105.0, Raise("held", held=True)),
        # A hold within the longest wait the SDK makes is waited out.
        (60.0, 60.0, None, Wait(60.0)),
    ],
)
def test_slot_decision(
    wait: float, hold_left: float, deadline: float | None, expected: Wait | Raise
) -> None:
    assert slot_decision(wait, hold_left, now=100.0, deadline=deadline, timeout=5.0) == expected
