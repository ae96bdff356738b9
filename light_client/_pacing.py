"""A client's side of rate limiting: its pace, its store, and what it learns from the server.

``RateLimiter`` keeps books only: it turns the client's settings and the server's
``X-RateLimit-*`` headers into changes of the credential's schedule (``_schedule``) and applies
them in the store. Whether to wait, pause or give up is decided in ``_retries.decide``; the
waiting itself is done by the request flow.

A shared store that fails (Redis down, SQLite file unwritable) is not fatal: the limiter logs a
warning, paces in-process for ``STORE_RETRY_SECONDS``, then tries the store again.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar, cast

from ._constants import MAX_RETRY_AFTER, RATE_LIMIT_BURST, STORE_RETRY_SECONDS
from ._logging import logger
from ._rate_stores import Change, InMemoryRateLimitStore, RateLimitStore, rate_limit_key
from ._schedule import Booking, Bucket, Pace, confirm, hold, release, reserve, tune

if TYPE_CHECKING:
    import httpx

__all__ = ["RateLimiter", "ServerLimits"]

# The share of the server's advertised rate the client uses: a request a little late (a slow
# scheduler, a GC pause) must not put the next one over a sliding window's limit.
SERVER_RATE_MARGIN = 0.97
# A reset nearer than this is not held for on "X-RateLimit-Remaining: 0" (see ServerLimits).
HOLD_MIN_SECONDS = 2.0

R = TypeVar("R")


# The X-RateLimit-* headers read, by their lowercase names, in the order observe() takes them.
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


class ServerLimits:
    """What the server's ``X-RateLimit-*`` headers tell of its limit.

    The window is not sent, only when it resets, in whole Unix seconds: a time-to-reset of ``x``
    seconds is less than the window plus the one second of that rounding, whether the server
    counts in fixed windows, a sliding window or a token bucket. So the longest ``x`` seen,
    rounded down (at least 1 s), never makes the window longer than it is: the estimate errs
    towards the faster rate, and a 429 corrects it. ``limit`` per window, less a small margin,
    gives the interval between starts to keep.
    """

    def __init__(self) -> None:
        self.limit: float | None = None
        self.window = 0.0

    def observe(self, headers: httpx.Headers, now: float) -> tuple[float | None, float | None]:
        """``(interval, hold_until)``: a new interval to follow, and a reset to wait for."""
        limit, reset, remaining = _rate_numbers(headers)
        if reset is None or not 0 < reset - now <= MAX_RETRY_AFTER:
            return None, None  # no reset, or a daily one: that is the 429's to tell
        interval = None
        window = max(1.0, float(math.floor(reset - now)))
        if limit is not None and limit >= 1 and (window > self.window or limit != self.limit):
            self.limit, self.window = limit, max(window, self.window)
            interval = self.window / (limit * SERVER_RATE_MARGIN)
        # Nothing remaining until the reset: hold until then -- unless the reset is so near that
        # its rounding to whole seconds is most of it (a short window, which the rate covers).
        exhausted = remaining is not None and remaining <= 0 and reset - now > HOLD_MIN_SECONDS
        return interval, (reset if exhausted else None)


class RateLimiter:
    """One client's rate limiting: ``max_requests_per_minute`` smoothed, the server followed.

    Changes are built by the methods below and applied with ``apply`` / ``aapply``.
    """

    def __init__(
        self,
        max_requests_per_minute: int | None,
        *,
        store: RateLimitStore | None = None,
        burst: int = RATE_LIMIT_BURST,
    ) -> None:
        if max_requests_per_minute is not None and (
            isinstance(max_requests_per_minute, bool)
            or not isinstance(max_requests_per_minute, int)
            or max_requests_per_minute < 1
        ):
            raise ValueError("max_requests_per_minute must be None or an int >= 1")
        interval = 60.0 / max_requests_per_minute if max_requests_per_minute else 0.0
        self.pace = Pace(interval, burst)
        self.store: RateLimitStore = store or InMemoryRateLimitStore()
        self.server = ServerLimits()
        self._shared = store is not None and not isinstance(store, InMemoryRateLimitStore)
        self._fallback = InMemoryRateLimitStore()
        self._store_down_until = 0.0
        self._keys: dict[str, str] = {}

    def key(self, authorization: str | None) -> str:
        """The store key of a credential (cached: hashing is not free)."""
        text = authorization or ""
        key = self._keys.get(text)
        if key is None:
            if len(self._keys) > 64:  # rotating tokens: keep the cache small
                self._keys.clear()
            key = self._keys[text] = rate_limit_key(text)
        return key

    # -- changes -------------------------------------------------------------------------------

    def reserve(self) -> Change[Booking]:
        return partial(reserve, pace=self.pace)  # reserve(bucket, now, pace): no wrapper

    def confirm(self, booking: Booking) -> Change[Booking]:
        return partial(_confirm, booking=booking, pace=self.pace)

    def release(self, booking: Booking) -> Change[None]:
        return partial(_release, booking=booking, pace=self.pace)

    def hold(self, until: float) -> Change[bool]:
        return partial(_hold, until=until, pace=self.pace)

    def learn(self, headers: httpx.Headers) -> list[Change[bool]]:
        """The changes an answer's ``X-RateLimit-*`` headers call for (usually none)."""
        interval, hold_until = self.server.observe(headers, time.time())
        changes: list[Change[bool]] = []
        if interval is not None:
            changes.append(partial(_tune, server_interval=interval, pace=self.pace))
        if hold_until is not None:
            changes.append(self.hold(hold_until))
        return changes

    # -- applying them -------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """Which store bookings are made in now: ``"store"``, or ``"fallback"`` while it is down."""
        if self._shared and time.monotonic() < self._store_down_until:
            return "fallback"
        return "store"

    def _failed(self, exc: Exception) -> None:
        self._store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        logger.warning(
            "rate-limit store %r failed (%s: %s): pacing in this process only for %.0f s",
            self.store,
            type(exc).__name__,
            exc,
            STORE_RETRY_SECONDS,
        )

    def apply(self, key: str, change: Change[R]) -> R:
        if self.origin == "fallback":
            return _stamped(self._fallback.apply(key, change))
        try:
            return self.store.apply(key, change)
        except Exception as exc:
            self._failed(exc)
            return _stamped(self._fallback.apply(key, change))

    async def aapply(self, key: str, change: Change[R]) -> R:
        if self.origin == "fallback":
            return _stamped(await self._fallback.aapply(key, change))
        try:
            return await self.store.aapply(key, change)
        except Exception as exc:
            self._failed(exc)
            return _stamped(await self._fallback.aapply(key, change))


# The changes, as module-level functions so that ``partial`` objects of them are cheap.


def _confirm(bucket: Bucket, now: float, *, booking: Booking, pace: Pace) -> tuple[Bucket, Booking]:
    return confirm(bucket, booking, now, pace)


def _release(bucket: Bucket, now: float, *, booking: Booking, pace: Pace) -> tuple[Bucket, None]:
    return release(bucket, booking, now, pace)


def _hold(bucket: Bucket, now: float, *, until: float, pace: Pace) -> tuple[Bucket, bool]:
    return hold(bucket, until, now, pace)


def _tune(bucket: Bucket, now: float, *, server_interval: float, pace: Pace) -> tuple[Bucket, bool]:
    return tune(bucket, server_interval, now, pace)


def _stamped(answer: R) -> R:
    """Mark a booking made in the fallback store: it is void once the shared store is back."""
    if isinstance(answer, Booking):
        return cast(R, replace(answer, origin="fallback"))
    return answer
