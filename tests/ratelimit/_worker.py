"""A client in a process of its own, with its own wall clock: for the clock and store tests.

    python -m tests.ratelimit._worker '{"base_url": ..., "store": "sqlite:PATH", ...}'

``time.time`` is shifted by ``shift`` seconds before light_client is imported, and stepped by
``step`` seconds after ``step_at`` calls -- as a host whose clock is off, or that NTP steps, sees
it; ``time.monotonic`` is left alone, as both leave it. Prints one JSON line: each call's
seconds and outcome.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

_real_time = time.time
_offset = 0.0


def _shifted_time() -> float:
    return _real_time() + _offset


time.time = _shifted_time


def _store(spec: str) -> Any:
    from light_client import RedisRateLimitStore, SQLiteRateLimitStore

    kind, _, where = spec.partition(":")
    if kind == "sqlite":
        return SQLiteRateLimitStore(where)
    if kind == "redis":
        return RedisRateLimitStore(where)
    return None


async def main(config: dict[str, Any]) -> dict[str, Any]:
    global _offset
    from light_client import LightClient, LightError

    _offset = config.get("shift", 0.0)
    store = _store(config.get("store", ""))
    seconds: list[float] = []
    outcomes: list[str] = []

    async def one(light: LightClient, n: int) -> None:
        started = time.monotonic()
        try:
            await light.customers.update(
                config["customer_id"],
                name=f"{config.get('name', 'w')}{n}",
                idempotency_key=str(uuid.uuid4()),
                timeout=config.get("timeout", 60),
            )
            outcomes.append("ok")
        except LightError as exc:
            outcomes.append(type(exc).__name__)
        seconds.append(time.monotonic() - started)

    async with LightClient(
        api_key=config["api_key"],
        base_url=config["base_url"],
        max_requests_per_minute=config["rpm"],
        rate_limit_store=store,
        max_retries=0,
    ) as light:
        began = time.monotonic()
        if config.get("concurrent"):
            await asyncio.gather(*(one(light, n) for n in range(config["n"])))
        else:
            for n in range(config["n"]):
                if n == config.get("step_at"):
                    _offset += config["step"]
                await one(light, n)
        total = time.monotonic() - began
    if store is not None and hasattr(store, "aclose"):
        await store.aclose()
    elif store is not None:
        store.close()
    return {"seconds": seconds, "outcomes": outcomes, "total": total}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
