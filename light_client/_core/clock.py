"""The one clock of a client: the time it reads and the waits it makes.

Everything of the SDK that needs the time takes it from a ``Clock`` given to the client
(``LightClient(clock=...)``; the default is the system's): wall time (``time()``, Unix seconds)
to read the server's headers (``Retry-After`` as a date, ``X-RateLimit-Reset``), monotonic time
(``monotonic()``) for deadlines and the state of a rate-limit store, and ``sleep`` / ``asleep``
for every wait (retry backoff, rate-limit pacing). The request flow never reads a clock itself:
the drivers read this one and hand the time over with each reply.

``light_client.testing.FakeClock`` is a clock whose time moves only by the waits made on it, so
a test asserts exact waits however slowly it runs; ``light_client.testing.instant_waits()``
makes the system clock's waits return at once and records them.
"""

from __future__ import annotations

import time

__all__ = ["SYSTEM_CLOCK", "Clock", "async_sleep", "recorder", "sync_sleep"]

# When a list: waits are recorded here and return at once (the testing switch is on).
recorder: list[float] | None = None


async def async_sleep(seconds: float) -> None:
    import asyncio  # on first use: `import light_client` does not load asyncio

    if recorder is not None:
        recorder.append(seconds)
        await asyncio.sleep(0)  # still a point where the task can be cancelled
    else:
        await asyncio.sleep(seconds)


def sync_sleep(seconds: float) -> None:
    if recorder is not None:
        recorder.append(seconds)
    else:
        time.sleep(seconds)


class Clock:
    """The system's clock: ``time.time``, ``time.monotonic`` and real sleeps (which
    ``instant_waits()`` records and skips). Subclass it to give a client another time."""

    def time(self) -> float:
        """Wall time, Unix seconds: what the server's headers are read against."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds that never go back: deadlines and durations."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        sync_sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await async_sleep(seconds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


SYSTEM_CLOCK = Clock()
