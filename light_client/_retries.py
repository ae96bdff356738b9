"""Retry policy: pure functions of an attempt's outcome, shared by the async and sync clients.

``retry_decision`` answers the two questions of a failed attempt -- may it be retried, and after
how long -- from the response (or transport error), the number of retries left and the clock. No
I/O: the request loop in ``_base_client`` acts on the answer.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRY_JITTER

__all__ = ["RetryDecision", "backoff_delay", "is_retryable_status", "retry_decision", "server_wait"]

# 408 Request Timeout, 409 Conflict (a concurrent change: safe with an idempotency key),
# 429 Too Many Requests; every 5xx is retried too.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryDecision:
    """Whether to retry, after how many seconds, and why not when not."""

    retry: bool
    delay: float = 0.0
    reason: str | None = None


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
    if retry_after is not None:
        if (seconds := _number(retry_after)) is not None:
            return max(seconds, 0.0)
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return max(when.timestamp() - now, 0.0)
    if status_code == 429 and (reset := _number(headers.get("x-ratelimit-reset"))) is not None:
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


def retry_decision(
    outcome: httpx.Response | Exception,
    *,
    retries_done: int,
    max_retries: int,
    now: float,
    rng: random.Random | None = None,
) -> RetryDecision:
    """May this failed attempt be retried, and after how long?

    ``outcome`` is the response, or the transport exception, of the attempt; ``retries_done``
    counts the retries already made for this call; ``now`` is the Unix time.
    """
    if isinstance(outcome, httpx.Response):
        if outcome.is_success or not is_retryable_status(outcome.status_code, outcome.headers):
            return RetryDecision(False)
        hint = server_wait(outcome.status_code, outcome.headers, now)
    elif isinstance(outcome, httpx.TransportError):
        hint = None
    else:
        return RetryDecision(False)
    if retries_done >= max_retries:
        return RetryDecision(False, reason=f"no retries left (max_retries={max_retries})")
    if hint is not None and hint > MAX_RETRY_AFTER:
        return RetryDecision(
            False, reason=f"the server asked to wait {hint:.0f} s, over {MAX_RETRY_AFTER:.0f} s"
        )
    return RetryDecision(True, hint if hint is not None else backoff_delay(retries_done, rng))
