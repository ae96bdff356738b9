"""Policy: every decision to retry, wait, pause the client, hold it, or give up. Pure functions.

Nothing else in the SDK decides these: the request flow (``engine.py``) and the rate limiter
(``ratelimit``) carry out what these functions return and keep the books. No I/O, no clock: the
time is an argument. The rules, in the order they are applied:

=====================================  =========================================================
When                                   Then
=====================================  =========================================================
**after an attempt** (``decide``)
a 401 and a token provider not yet     ``Retry`` at once with a fresh token (costs no retry)
asked during this call
a status not retryable (4xx but 408,   ``Raise``
409, 429; ``x-should-retry: false``)
a write the server cannot deduplicate   ``Raise`` ("not resent"): only a connection never made,
(POST/PATCH without an idempotency      or a 429, proves it was not applied
key) that may have been applied
a server hint over ``MAX_RETRY_AFTER``  ``Raise``; on a 429, hold the client until then
``max_retries=0``                       ``Raise`` ("not retried")
retries used up (a 429's first          ``Raise`` ("no retries left")
``MAX_RATE_LIMIT_WAITS`` waits are free)
the wait outlasts the call's timeout    ``Raise`` (before waiting, not after)
a 429, or a 503 with a hint             ``Pause`` the whole client for the hint (or backoff)
any other 408/409/5xx/transport error   ``Retry`` after the hint, else exponential backoff
**before a send** (``slot_decision``)
the client is held past                 ``Raise`` the held 429 at once (a daily limit)
``MAX_RETRY_AFTER``
the booked slot is after the deadline   ``Raise`` a timeout (and give the slot back)
the slot is further than                ``Raise`` a 429 at once, unsent, with ``wait_needed``
``max_queue_wait``                      (and give the slot back)
otherwise                               ``Wait`` until the slot (``0``: send now)
**on an answer's Date**                 the server's times are read against its clock, when
(``server_clock``)                      ours is more than ``CLOCK_SKEW_TOLERANCE`` off it
**on an answer's X-RateLimit-*          a new interval between starts (``limit`` per window,
headers** (``server_rate``)             less a margin), and a hold until the reset when nothing
                                        remains (unless the reset is too near to matter)
=====================================  =========================================================
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from .._core.constants import (
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
    "ServerRate",
    "Wait",
    "backoff_delay",
    "decide",
    "is_retryable_status",
    "server_clock",
    "server_rate",
    "server_wait",
    "slot_decision",
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
    # Whether the request may reach the server twice without harm: an idempotent method, or a
    # write the server deduplicates by the idempotency key it declares (and the call sends).
    resendable: bool = True


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
    ``hold_client``: hold every request of the client until then (a daily limit);
    ``timeout``: the call's timeout is why; ``held``: nothing was sent, the client is held;
    ``queued``: nothing was sent, its slot is further than ``max_queue_wait``."""

    reason: str | None
    retry_at: float | None = None
    hold_client: bool = False
    timeout: bool = False
    held: bool = False
    queued: bool = False


@dataclass(frozen=True)
class Wait:
    """Sleep ``seconds`` until the booked slot (``0``: send now)."""

    seconds: float


Decision = Retry | Pause | Raise


def is_retryable_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """Retry 408, 409, 429 and 5xx, unless the server says otherwise in ``x-should-retry``."""
    override = headers.get("x-should-retry", "").strip().lower()
    if override in ("true", "false"):
        return override == "true"
    return status_code in RETRYABLE_STATUSES or status_code >= 500


# Our clock and the server's (by its Date header) may differ this much (seconds) before the
# times the server sends are read against its clock rather than ours.
CLOCK_SKEW_TOLERANCE = 2.0
# The last Date header read, and its Unix time: it changes once a second.
_last_date: tuple[bytes, float | None] = (b"", None)


def server_clock(headers: httpx.Headers, wall: float, elapsed: float) -> float:
    """Now, on the clock the server's times (``X-RateLimit-Reset``, a ``Retry-After`` date)
    are on: ``wall`` (ours, when the answer came), unless the answer's ``Date`` shows that ours
    is off by more than ``CLOCK_SKEW_TOLERANCE`` -- then the server's, from its ``Date``.

    A host whose clock is 30 s behind Light's would read a reset 30 s too far, and pace at
    Light's limit per 30 s instead of per window, for good. ``elapsed``: how long the attempt
    took (the Date was stamped somewhere within it; a Date has whole seconds).
    """
    global _last_date
    value = next((value for key, value in headers.raw if key.lower() == b"date"), None)
    if value is None:
        return wall
    raw, date = _last_date
    if value != raw:
        when = _http_date(value.decode("latin-1"))
        date = None if when is None or when.tzinfo is None else when.timestamp()
        _last_date = (value, date)
    if date is None or wall - elapsed - 1.0 - CLOCK_SKEW_TOLERANCE <= date <= wall + (
        CLOCK_SKEW_TOLERANCE
    ):
        return wall
    return date + 0.5  # the middle of the second it names


def _http_date(text: str) -> datetime | None:
    """An HTTP date (a ``Date``, a ``Retry-After`` date), or ``None`` for anything else."""
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


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
        when = _http_date(retry_after)
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


def _never_processed(outcome: httpx.Response | Exception) -> bool:
    """Whether an attempt provably did nothing on the server: the connection was never made
    (so the request never left), or a 429, which Light answers before doing anything."""
    if isinstance(outcome, httpx.Response):
        return outcome.status_code == 429
    return isinstance(outcome, httpx.ConnectError | httpx.ConnectTimeout)


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
    if not state.resendable and not _never_processed(outcome):
        return Raise(
            "not resent: the request may have been applied, and the server cannot deduplicate "
            "this operation (it declares no idempotency key)",
            retry_at,
        )
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


def slot_decision(
    wait: float,
    hold_left: float,
    *,
    now: float,
    deadline: float | None,
    timeout: float | None,
    queued: float = 0.0,
    max_queue_wait: float | None = None,
) -> Wait | Raise:
    """Before a send: wait ``wait`` seconds for the booked slot, or give up.

    ``hold_left``: seconds from now that the server's hold in force when the slot was booked
    lasts (0: none); ``now`` and ``deadline``: monotonic seconds (``deadline`` ``None``: the
    call has no timeout, or has not started); ``queued``: seconds already waited for a slot
    before this send, which with ``wait`` may not exceed ``max_queue_wait`` (``None``: no
    bound). Each give-up gives the slot back (the engine).
    """
    if hold_left > MAX_RETRY_AFTER:
        # Held until a daily limit resets: fail now rather than wait for hours. First: the
        # hold, not the call's timeout, is why the call cannot go.
        return Raise("held", held=True)
    if deadline is not None and now + wait > deadline:
        return Raise(
            f"the call's timeout ({timeout} s) runs out before its next slot", timeout=True
        )
    if max_queue_wait is not None and queued + wait > max_queue_wait:
        return Raise(
            f"not sent: its rate-limit slot is {wait:.1f} s away, and with the {queued:.1f} s "
            f"waited already that is over max_queue_wait ({max_queue_wait:g} s)",
            queued=True,
        )
    return Wait(wait)


# The share of the server's advertised rate the client uses: a request a little late (a slow
# scheduler, a GC pause) must not put the next one over a sliding window's limit.
SERVER_RATE_MARGIN = 0.97
# A reset nearer than this is not held for on "X-RateLimit-Remaining: 0" (see server_rate).
HOLD_MIN_SECONDS = 2.0


@dataclass(frozen=True)
class ServerRate:
    """What the server's ``X-RateLimit-*`` headers told so far: its limit per window, and the
    longest window seen (``0``: none yet)."""

    limit: float | None = None
    window: float = 0.0


# The X-RateLimit-* headers read, by their lowercase names, in the order server_rate takes them.
_RATE_HEADERS = {b"x-ratelimit-limit": 0, b"x-ratelimit-reset": 1, b"x-ratelimit-remaining": 2}


def _rate_numbers(headers: httpx.Headers) -> list[float | None]:
    """Limit, reset and remaining, in one pass over the headers: each a finite number, or
    ``None`` when absent, repeated or not a number."""
    found: list[list[bytes]] = [[], [], []]
    for key, value in headers.raw:
        index = _RATE_HEADERS.get(key.lower())
        if index is not None:
            found[index].append(value)
    numbers: list[float | None] = []
    for values in found:
        try:
            number = float(values[0]) if len(values) == 1 else math.nan
        except ValueError:
            number = math.nan
        numbers.append(number if math.isfinite(number) else None)
    return numbers


def server_rate(
    known: ServerRate, headers: httpx.Headers, *, now: float
) -> tuple[ServerRate, float | None, float | None]:
    """``(known, interval, hold_until)`` from an answer's ``X-RateLimit-Limit``, ``-Reset``
    (Unix time) and ``-Remaining``: what is now known of the server's rate, a new interval between starts to follow
    (``None``: no change) and a reset to hold the client until (``None``: none).

    The window is not sent, only when it resets, in whole Unix seconds: a time-to-reset of ``x``
    seconds is less than the window plus the one second of that rounding, whether the server
    counts in fixed windows, a sliding window or a token bucket. So the longest ``x`` seen,
    rounded down (at least 1 s), never makes the window longer than it is: the estimate errs
    towards the faster rate, and a 429 corrects it.
    """
    limit, reset, remaining = _rate_numbers(headers)
    if reset is None or not 0 < reset - now <= MAX_RETRY_AFTER:
        return known, None, None  # no reset, or a daily one: that is the 429's to tell
    interval = None
    window = max(1.0, float(math.floor(reset - now)))
    if limit is not None and limit >= 1 and (window > known.window or limit != known.limit):
        known = ServerRate(limit, max(window, known.window))
        interval = known.window / (limit * SERVER_RATE_MARGIN)
    # Nothing remaining until the reset: hold until then -- unless the reset is so near that
    # its rounding to whole seconds is most of it (a short window, which the rate covers).
    exhausted = remaining is not None and remaining <= 0 and reset - now > HOLD_MIN_SECONDS
    return known, interval, (reset if exhausted else None)
