"""A client's side of rate limiting: its pace, its store, and the changes to its schedule.

``RateLimiter`` keeps books only: it turns the client's settings, and what the policy made of
the server's answers, into changes of the credential's schedule (``_changes``) and applies them
in the store. Whether to wait, pause, hold or give up is decided in
``light_client._runtime.policy``; the waiting itself is done by the request flow.

A shared store that fails (Redis down, SQLite file locked or unwritable) is not fatal: the
clients using it pace in-process, and one change tries the store again every
``STORE_RETRY_SECONDS`` until it answers. That
state belongs to the store, not to one client: every client given the store (``with_options``
copies, tenants' clients) sees the outage at once, shares one in-process budget meanwhile, and
the outage is logged once -- a WARNING when it starts, an INFO when the store is back.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from typing import TypeVar, cast

from .._core.clock import SYSTEM_CLOCK, Clock
from .._core.constants import RATE_LIMIT_BURST, STORE_RETRY_SECONDS
from .._core.errors import InvalidArgumentError
from .._core.log import logger
from ._changes import (
    Change,
    confirm_change,
    hold_change,
    release_change,
    reserve_change,
    tune_change,
)
from ._schedule import Booking, Pace
from ._stores import InMemoryRateLimitStore, RateLimitStore, rate_limit_key

__all__ = ["RateLimiter"]

R = TypeVar("R")


class _Outage:
    """A shared store's health, seen by every limiter that uses it: whether it is down, and
    the in-process schedule kept meanwhile.

    While it is down, every change goes to the fallback; every ``STORE_RETRY_SECONDS`` one
    change (the probe) tries the store again, and the outage ends when a probe succeeds. So a
    store that answers slowly or not at all costs one change its timeout now and then, never
    every change at once.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.fallback = InMemoryRateLimitStore(clock=clock.monotonic)
        self.down_until = 0.0  # monotonic: the next probe, not before this
        self.since: float | None = None  # monotonic: when the outage began (None: no outage)
        self.probing = False
        self.lock = threading.Lock()

    def route(self) -> str:
        """Where a change goes: ``"store"``, ``"fallback"``, or ``"probe"`` (the store, tried
        again by this change while every other goes to the fallback)."""
        if self.since is None:
            return "store"
        with self.lock:
            if self.since is None:
                return "store"
            if self.probing or self.clock.monotonic() < self.down_until:
                return "fallback"
            self.probing = True
            return "probe"

    def failed(self, store: RateLimitStore, exc: Exception) -> None:
        now = self.clock.monotonic()
        with self.lock:
            self.down_until = now + STORE_RETRY_SECONDS
            self.probing = False
            first = self.since is None
            if first:
                self.since = now
        if first:
            logger.warning(
                "rate-limit store %r failed (%s: %s): pacing in this process only, trying it "
                "again every %.0f s",
                store,
                type(exc).__name__,
                exc,
                STORE_RETRY_SECONDS,
            )
        else:
            logger.debug("rate-limit store %r still failing (%s)", store, type(exc).__name__)

    def abandoned(self) -> None:
        """The probe was cancelled before the store answered: the next change probes."""
        with self.lock:
            self.probing = False

    def worked(self, store: RateLimitStore) -> None:
        with self.lock:
            since, self.since, self.probing = self.since, None, False
        if since is not None:
            down = self.clock.monotonic() - since
            logger.info("rate-limit store %r is back after %.1f s", store, down)


# One outage record per shared store, for as long as the store lives.
_outages: weakref.WeakKeyDictionary[object, _Outage] = weakref.WeakKeyDictionary()
_outages_lock = threading.Lock()


def _outage_of(store: RateLimitStore, clock: Clock) -> _Outage:
    with _outages_lock:
        try:
            outage = _outages.get(store)
            if outage is None:
                outage = _outages[store] = _Outage(clock)
        except TypeError:  # a store that cannot be weakly referenced: this limiter's own
            outage = _Outage(clock)
    return outage


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
            raise InvalidArgumentError("max_requests_per_minute must be None or an int >= 1")
        interval = 60.0 / max_requests_per_minute if max_requests_per_minute else 0.0
        self.pace = Pace(interval, burst)
        self.store: RateLimitStore = store or InMemoryRateLimitStore(clock=clock.monotonic)
        shared = store is not None and not isinstance(store, InMemoryRateLimitStore)
        self._outage = _outage_of(self.store, clock) if shared else None
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
        return reserve_change(self.pace)

    def confirm(self, booking: Booking) -> Change[Booking]:
        return confirm_change(self.pace, booking)

    def release(self, booking: Booking) -> Change[None]:
        return release_change(self.pace, booking)

    def hold(self, seconds: float) -> Change[bool]:
        """Nothing starts for ``seconds`` from now (the store's now: stores keep their own
        clocks, so a hold travels as a length, not as a date)."""
        return hold_change(self.pace, seconds)

    def tune(self, server_interval: float) -> Change[bool]:
        """Follow the interval between starts that the server's rate allows."""
        return tune_change(self.pace, server_interval)

    # -- applying them -------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """Which store bookings are made in now: ``"store"``, or ``"fallback"`` while it is down."""
        outage = self._outage
        return "store" if outage is None or outage.since is None else "fallback"

    def apply(self, key: str, change: Change[R]) -> R:
        outage = self._outage
        if outage is None:
            return self.store.apply(key, change)
        route = outage.route()
        if route == "fallback":
            return _stamped(outage.fallback.apply(key, change))
        try:
            answer = self.store.apply(key, change)
        except BaseException as exc:
            return self._failed(outage, route, exc, key, change)
        if route == "probe":
            outage.worked(self.store)
        return answer

    async def aapply(self, key: str, change: Change[R]) -> R:
        outage = self._outage
        if outage is None:
            return await self.store.aapply(key, change)
        route = outage.route()
        if route == "fallback":
            return _stamped(outage.fallback.apply(key, change))
        try:
            answer = await self.store.aapply(key, change)
        except BaseException as exc:
            return self._failed(outage, route, exc, key, change)
        if route == "probe":
            outage.worked(self.store)
        return answer

    def _failed(
        self, outage: _Outage, route: str, exc: BaseException, key: str, change: Change[R]
    ) -> R:
        """The store failed this change: it is made in the fallback. Cancelled or interrupted
        (not a failure of the store's): raised again, and a probe left to the next change."""
        if not isinstance(exc, Exception):
            if route == "probe":
                outage.abandoned()
            raise exc
        outage.failed(self.store, exc)
        return _stamped(outage.fallback.apply(key, change))


def _stamped(answer: R) -> R:
    """Mark a booking made in the fallback store: it is void once the shared store is back."""
    if isinstance(answer, Booking):
        return cast(R, replace(answer, origin="fallback"))
    return answer
