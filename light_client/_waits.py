"""Every wait of the SDK (retry backoff, rate-limit pacing) goes through here, so that tests can
make them instant with ``light_client.testing.instant_waits()``."""

from __future__ import annotations

import time

__all__ = ["async_sleep", "recorder", "sync_sleep"]

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
