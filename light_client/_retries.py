"""Retry policy: one pure function, ``decide``, shared by the async and the sync client.

From an attempt's outcome (the response, or the transport error) and the call's state it
answers one of three things -- ``Retry`` after a delay (costing a retry or not), ``Pause`` the
whole client until a time, ``Raise`` with the reason -- and nothing else decides them. No I/O:
the request flow in ``_base_client`` acts on the answer and the rate limiter keeps the books.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RATE_LIMIT_WAITS,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    MIN_SERVER_WAIT,
    RETRY_JITTER,
)

__all__ = [
    "CallState",
    "Decision",
    "Pause",
    "Raise",
    "Retry",
    "backoff_delay",
    "decide",
    "is_retryable_status",
    "server_wait",
]

# 408 Request Timeout, 409 Conflict (a concurrent change: safe with an idempotency key),
# 429 Too Many Requests; every 5xx is retried too.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class CallState:
    """What a call has used so far, and what it may use."""

    max_retries: int
    retries_done: int = 0
    rate_limit_waits: int = 0
    # A token provider is configured and has not been asked again during this call.
    can_refresh_token: bool = False
    # Seconds left of the call's timeout (``None``: no timeout).
    time_left: float | None = None


@dataclass(frozen=True)
class Retry:
    """Send the call again after ``delay`` seconds (after a fresh token, if ``refresh_token``)."""

    delay: float
    reason: str
    costs_retry: bool = True
    refresh_token: bool = False


@dataclass(frozen=True)
class Pause:
    """Hold every request of the client until ``until`` (Unix time), then send this one first."""

    until: float
    reason: str
    costs_retry: bool = False


@dataclass(frozen=True)
class Raise:
    """Give up. ``retry_at`` (Unix time): when the server said to come back, if it did;
    ``hold_client``: hold every request of the client until then (a daily limit)."""

    reason: str | None
    retry_at: float | None = None
    hold_client: bool = False


Decision = Retry | Pause | Raise


def is_retryable_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """Retry 408, 409, 429 and 5xx, unless the server says otherwise in ``x-should-retry``."""
    override = headers.get("x-should-retry", "").strip().lower()
    if override in ("true", "false"):
        return override == "true"
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def server_wait(status_code: int, headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait, from the first hint it gave, or ``None``.

    In order: ``retry-after-ms``; ``Retry-After`` in seconds or as an HTTP-date;
    ``X-RateLimit-Reset`` (Unix time) on a 429. ``now`` is the Unix time.
    """
    if (millis := _number(headers.get("retry-after-ms"))) is not None:
        return max(millis / 1000, 0.0)
    retry_after = headers.get("retry-after")
    reset = _number(headers.get("x-ratelimit-reset")) if status_code == 429 else None
    if retry_after is not None:
        if (seconds := _number(retry_after)) is not None:
            # Retry-After is rounded up to whole seconds; a reset within that second is exact.
            if reset is not None and seconds - 1 <= reset - now <= seconds:
                return max(reset - now, 0.0)
            return max(seconds, 0.0)
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return max(when.timestamp() - now, 0.0)
    if reset is not None:
        return max(reset - now, 0.0)
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def backoff_delay(retries_done: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped at 8 s, minus up to 25 %."""
    delay: float = min(INITIAL_RETRY_DELAY * 2**retries_done, MAX_RETRY_DELAY)
    fraction: float = (rng or random).random()
    return delay * (1 - RETRY_JITTER * fraction)


def decide(
    outcome: httpx.Response | Exception,
    state: CallState,
    *,
    now: float,
    rng: random.Random | None = None,
) -> Decision:
    """What to do after a failed attempt: retry, pause the client, or raise (and why).

    ``outcome`` is the attempt's error response or transport exception; ``now`` is the Unix
    time. Only a 429, or a 503 that says when to come back, pauses the client; a 429 that says
    to come back after more than ``MAX_RETRY_AFTER`` (a daily limit) raises at once and holds
    the client until then. A 429's pause costs no retry, up to ``MAX_RATE_LIMIT_WAITS`` per call:
    it is a wait for a slot, like pacing.
    """
    if isinstance(outcome, httpx.Response):
        status = outcome.status_code
        if status == 401 and state.can_refresh_token:
            return Retry(0.0, "401: asking the token provider for a fresh token", False, True)
        if not is_retryable_status(status, outcome.headers):
            return Raise(None)
        hint = server_wait(status, outcome.headers, now)
        what = f"{status}"
    elif isinstance(outcome, httpx.TransportError):
        status, hint, what = None, None, type(outcome).__name__
    else:
        return Raise(None)
    retry_at = now + hint if hint is not None else None
    if hint is not None and hint < MIN_SERVER_WAIT:
        # "Retry-After: 0", negative or past: no reason to hammer; back off as without a hint.
        hint = None
    if hint is not None and hint > MAX_RETRY_AFTER:
        return Raise(
            f"the server asked to wait {hint:.0f} s, over the {MAX_RETRY_AFTER:.0f} s the SDK "
            "waits for",
            retry_at,
            hold_client=status == 429,
        )
    if state.max_retries == 0:
        return Raise("not retried (max_retries=0)", retry_at)
    free_wait = status == 429 and state.rate_limit_waits < MAX_RATE_LIMIT_WAITS
    if state.retries_done >= state.max_retries and not free_wait:
        return Raise(f"no retries left (max_retries={state.max_retries})", retry_at)
    tries = state.retries_done + state.rate_limit_waits
    delay = backoff_delay(tries, rng) if hint is None else hint
    if state.time_left is not None and delay >= state.time_left:
        return Raise("the call's timeout runs out before a retry could be sent", retry_at)
    if status == 429 or (status == 503 and hint is not None):
        return Pause(now + delay, f"{what}: the client waits {delay:.2f} s", not free_wait)
    return Retry(delay, f"{what}: retrying in {delay:.2f} s")
