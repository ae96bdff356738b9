"""Testing switches for code that uses light-client.

``instant_waits()`` makes every wait of the SDK -- retry backoff and rate-limit pacing -- return
at once while recording how long it would have been, so tests of retry behaviour run in
milliseconds and can assert the delays::

    from light_client.testing import instant_waits

    with instant_waits() as waits:
        ...  # calls that get 503, 429, ...
    assert waits == [2.0]  # e.g. the server's Retry-After

``FakeClock`` goes further: given to a client (``LightClient(clock=FakeClock())``), it is the
only time the client's request flow and rate limiting read (an OAuth ``TokenProvider`` judges
its token's expiry on the system clock), and it moves only by the waits the client makes on it
(or by ``advance``). So a wait counted from a server's ``Retry-After`` date or ``X-RateLimit-Reset``
comes out exact however slowly the test runs, with no global clock patched::

    clock = FakeClock()
    async with LightClient(api_key="...", base_url=url, clock=clock) as light:
        ...  # a 429 with Retry-After: 2
    assert clock.sleeps == [2.0]

Timeouts of a single request are not affected: they are the HTTP library's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ._core import clock as _clock
from ._core.clock import Clock

__all__ = ["FakeClock", "instant_waits"]


@contextmanager
def instant_waits() -> Iterator[list[float]]:
    """Within the block, SDK waits return at once; yields the list of requested waits."""
    previous = _clock.recorder
    waits: list[float] = []
    _clock.recorder = waits
    try:
        yield waits
    finally:
        _clock.recorder = previous


class FakeClock(Clock):
    """A clock that stands still until the SDK waits on it: each wait returns at once, moves
    the clock on by its length and is recorded in ``sleeps``.

    ``start`` is its wall time (Unix seconds); its monotonic time starts at 0. Give the same
    clock's ``time`` to a store built for the test (``InMemoryRateLimitStore(clock=clock.time)``)
    so the store's schedule runs on it too; a client's default store does so by itself.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.start = start
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.start + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, seconds: float) -> None:
        """Move the clock on, as if ``seconds`` had passed."""
        self.elapsed += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio  # on first use: `import light_client` does not load asyncio

        self.sleep(seconds)
        await asyncio.sleep(0)  # still a point where the task can be cancelled
