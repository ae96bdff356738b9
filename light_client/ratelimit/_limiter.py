"""A client's side of rate limiting: its pace, its store, and the changes to its schedule.

``RateLimiter`` keeps books only: it turns the client's settings, and what the policy made of
the server's answers, into changes of the credential's schedule (``_schedule``) and applies them
in the store. Whether to wait, pause, hold or give up is decided in
``light_client._runtime.policy``; the waiting itself is done by the request flow.

A shared store that fails (Redis down, SQLite file unwritable) is not fatal: the limiter logs a
warning, paces in-process for ``STORE_RETRY_SECONDS``, then tries the store again.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TypeVar, cast

from .._core.clock import SYSTEM_CLOCK, Clock
from .._core.constants import RATE_LIMIT_BURST, STORE_RETRY_SECONDS
from .._core.log import logger
from ._schedule import Booking, Bucket, Pace, confirm, hold, release, reserve, tune
from ._stores import Change, InMemoryRateLimitStore, RateLimitStore, rate_limit_key

__all__ = ["RateLimiter"]

R = TypeVar("R")


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
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if max_requests_per_minute is not None and (
            isinstance(max_requests_per_minute, bool)
            or not isinstance(max_requests_per_minute, int)
            or max_requests_per_minute < 1
        ):
            raise ValueError("max_requests_per_minute must be None or an int >= 1")
        interval = 60.0 / max_requests_per_minute if max_requests_per_minute else 0.0
        self.pace = Pace(interval, burst)
        self.store: RateLimitStore = store or InMemoryRateLimitStore(clock=clock.time)
        self._clock = clock
        self._shared = store is not None and not isinstance(store, InMemoryRateLimitStore)
        self._fallback = InMemoryRateLimitStore(clock=clock.time)
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

    def tune(self, server_interval: float) -> Change[bool]:
        """Follow the interval between starts that the server's rate allows."""
        return partial(_tune, server_interval=server_interval, pace=self.pace)

    # -- applying them -------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """Which store bookings are made in now: ``"store"``, or ``"fallback"`` while it is down."""
        if self._shared and self._clock.monotonic() < self._store_down_until:
            return "fallback"
        return "store"

    def _failed(self, exc: Exception) -> None:
        self._store_down_until = self._clock.monotonic() + STORE_RETRY_SECONDS
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
