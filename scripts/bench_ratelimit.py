"""Rate-limit benchmark: the SDK's pacing against loopback limiters, printed as a table.

    make bench-ratelimit          # or: python scripts/bench_ratelimit.py [--quick]

A small HTTP server in its own process plays Light with a per-second limit counted three ways
(fixed one-second windows, a sliding one-second window, a token bucket); it answers 429 with
Retry-After and X-RateLimit-* as Light does, and counts the updates it applied per
X-Idempotency-Key, so lost and duplicated updates are counted, not guessed. Each scenario sends
concurrent updates through ``LightClient`` and prints wall time against the ideal, the 429s and
the lost and duplicated updates, next to the target it must meet. Wall-clock figures: run it on
a quiet machine. Nothing here is a test: it prints, and exits 1 only when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _loopback import background, free_port

API_KEY = "sk_bench_ratelimit"
SERVER_RATE = 20  # requests per second the loopback limiter allows


# -- the loopback limiter (runs in its own process) --------------------------------------------


class Limiter:
    """``limit`` requests per one-second window, counted as ``kind`` says."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind, self.limit = kind, limit
        self.window_start, self.count = 0.0, 0
        self.log: deque[float] = deque()
        self.tokens, self.filled_at = float(limit), time.time()

    def admit(self, now: float) -> tuple[bool, dict[str, str]]:
        if self.kind == "fixed":
            window = math.floor(now)
            if window != self.window_start:
                self.window_start, self.count = window, 0
            allowed = self.count < self.limit
            self.count += allowed
            remaining, reset = self.limit - self.count, window + 1.0
        elif self.kind == "sliding":
            while self.log and self.log[0] <= now - 1.0:
                self.log.popleft()
            allowed = len(self.log) < self.limit
            if allowed:
                self.log.append(now)
            remaining = self.limit - len(self.log)
            reset = (self.log[0] + 1.0) if self.log else now
        else:  # token bucket: refilled at limit per second, holding at most limit
            self.tokens = min(self.limit, self.tokens + (now - self.filled_at) * self.limit)
            self.filled_at = now
            allowed = self.tokens >= 1
            self.tokens -= allowed
            remaining = math.floor(self.tokens)
            reset = now + (self.limit - self.tokens) / self.limit
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        if not allowed:
            wait = (1 - self.tokens) / self.limit if self.kind == "bucket" else reset - now
            headers["Retry-After"] = str(max(math.ceil(wait), 1))
        return allowed, headers


class LimiterServer:
    def __init__(self) -> None:
        self.limiter = Limiter("fixed", SERVER_RATE)
        self.statuses: Counter[int] = Counter()
        self.applied: Counter[str] = Counter()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    name.strip().lower(): value.strip()
                    for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, extra, answer = self.answer(method, path, headers, body)
                payload = json.dumps(answer).encode()
                out = [f"HTTP/1.1 {status} X", f"Content-Length: {len(payload)}"]
                out += ["Content-Type: application/json"] + [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        if path == "/stats":
            return 200, {}, {"statuses": self.statuses, "applied": self.applied}
        if path.startswith("/reset/"):
            _, _, kind, limit = path.split("/")
            self.limiter = Limiter(kind, int(limit))
            self.statuses, self.applied = Counter(), Counter()
            return 200, {}, {}
        allowed, limit_headers = self.limiter.admit(time.time())
        status = 200 if allowed else 429
        self.statuses[status] += 1
        if not allowed:
            return 429, limit_headers, {"type": "TOO_MANY_REQUESTS", "message": "slow down"}
        self.applied[headers.get("x-idempotency-key", "")] += 1
        return 200, limit_headers, {"id": path.rsplit("/", 1)[-1], "name": json.loads(body)["name"]}


async def serve(port: int) -> None:
    server = await asyncio.start_server(LimiterServer().handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# -- clients -----------------------------------------------------------------------------------


def make_store(spec: str) -> Any:
    from light_client import InMemoryRateLimitStore, RedisRateLimitStore, SQLiteRateLimitStore

    kind, _, where = spec.partition(":")
    if kind == "sqlite":
        return SQLiteRateLimitStore(where)
    if kind == "redis":
        return RedisRateLimitStore(where)
    return InMemoryRateLimitStore()


async def run_updates(base_url: str, n: int, rpm: int | None, store: str) -> tuple[int, int]:
    """``n`` concurrent updates through one client: (succeeded, failed)."""
    from light_client import LightClient, LightError

    shared = make_store(store)
    async with LightClient(
        api_key=API_KEY,
        base_url=base_url,
        max_requests_per_minute=rpm,
        rate_limit_store=shared,
        max_retries=4,
    ) as light:

        async def one(index: int) -> bool:
            try:
                await light.customers.update(uuid.uuid4(), name=f"bench-{index}")
            except LightError as exc:
                print(f"failed: {exc!r}", file=sys.stderr)
                return False
            return True

        results = await asyncio.gather(*(one(i) for i in range(n)))
    if hasattr(shared, "aclose"):
        await shared.aclose()
    return sum(results), n - sum(results)


def stats(base_url: str) -> dict[str, Any]:
    import httpx

    got: dict[str, Any] = httpx.get(f"{base_url}/stats").json()
    return got


def reset(base_url: str, kind: str) -> None:
    import httpx

    httpx.get(f"{base_url}/reset/{kind}/{SERVER_RATE}")
    time.sleep(1.05)  # let the last window of the previous scenario pass


@dataclass
class Row:
    scenario: str
    limiter: str
    n: int
    client_rate: str
    wall: float
    ideal: float
    too_many: int
    lost: int
    duplicates: int
    max_ratio: float
    max_429: int

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicates == 0
            and self.wall <= self.ideal * self.max_ratio
            and self.too_many <= self.max_429
        )

    def line(self) -> str:
        ratio = self.wall / self.ideal
        target = f"≤ {self.max_ratio}x, ≤ {self.max_429} 429s"
        return (
            f"| {self.scenario} | {self.limiter} | {self.n} | {self.client_rate} | "
            f"{self.wall:.1f} | {self.ideal:.1f} | {ratio:.2f}x | {self.too_many} | {self.lost} | "
            f"{self.duplicates} | {target} | {'yes' if self.ok else 'NO'} |"
        )


def outcome(base_url: str, expected: int) -> tuple[int, int, int]:
    seen = stats(base_url)
    applied: dict[str, int] = seen["applied"]
    too_many = int(seen["statuses"].get("429", 0))
    lost = expected - len(applied)
    duplicates = sum(count - 1 for count in applied.values())
    return too_many, lost, duplicates


def one_process(
    base_url: str,
    scenario: str,
    kind: str,
    n: int,
    rpm: int,
    ideal: float,
    limits: tuple[float, int],
) -> Row:
    reset(base_url, kind)
    started = time.monotonic()
    asyncio.run(run_updates(base_url, n, rpm, "memory"))
    wall = time.monotonic() - started
    too_many, lost, duplicates = outcome(base_url, n)
    return Row(scenario, kind, n, f"{rpm}/min", wall, ideal, too_many, lost, duplicates, *limits)


def processes(
    base_url: str,
    scenario: str,
    store: str,
    workers: int,
    n: int,
    rpm: int,
    ideal: float,
    limits: tuple[float, int],
) -> Row:
    reset(base_url, "fixed")
    start_at = time.time() + 3.0  # every worker imported and ready before the start
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", base_url, str(n), str(rpm), store, str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    finished = [float(child.communicate()[0].split()[-1]) for child in children]
    wall = max(finished) - start_at
    too_many, lost, duplicates = outcome(base_url, workers * n)
    label = store.split(":")[0]
    return Row(
        scenario,
        f"fixed, {label} store",
        workers * n,
        f"{rpm}/min shared",
        wall,
        ideal,
        too_many,
        lost,
        duplicates,
        *limits,
    )


def worker(base_url: str, n: int, rpm: int, store: str, start_at: float) -> None:
    time.sleep(max(start_at - time.time(), 0))
    asyncio.run(run_updates(base_url, n, rpm, store))
    print(time.time())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 40 s default-rate run")
    parser.add_argument("--processes-only", action="store_true", help="only the 4-process runs")
    args = parser.parse_args()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_rpm = SERVER_RATE * 60
    under, over = int(server_rpm * 0.9), server_rpm * 2
    rows: list[Row] = []
    with background([sys.executable, __file__, "serve", str(port)], port):
        for kind in () if args.processes_only else ("fixed", "sliding", "bucket"):
            rows.append(
                one_process(
                    base_url,
                    "120 at 0.9x the server",
                    kind,
                    120,
                    under,
                    120 / (under / 60),
                    (1.15, 3),
                )
            )
            rows.append(
                one_process(
                    base_url, "120 at 2x the server", kind, 120, over, 120 / SERVER_RATE, (1.3, 12)
                )
            )
        if not (args.quick or args.processes_only):
            rows.append(
                one_process(
                    base_url, "200 at the default 300/min", "fixed", 200, 300, 200 / 5, (1.1, 0)
                )
            )
        with tempfile.TemporaryDirectory() as tmp:
            shared = [f"sqlite:{Path(tmp) / 'rate.sqlite3'}"]
            redis_server = shutil.which("redis-server")
            redis_port = free_port()
            if redis_server:
                shared.append(f"redis:redis://127.0.0.1:{redis_port}/0")
            redis_command = [
                redis_server or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            with background(redis_command, redis_port) if redis_server else _nothing():
                for store in shared:
                    rows.append(
                        processes(
                            base_url,
                            "4 processes x 60, one key",
                            store,
                            4,
                            60,
                            under,
                            240 / (under / 60),
                            (1.2, 5),
                        )
                    )
            if not redis_server:
                print("redis-server not installed: the Redis row is skipped", file=sys.stderr)
    print(f"Server: {SERVER_RATE} requests/s per key; wall and ideal in seconds.\n")
    print(
        "| scenario | server limiter | updates | client pacing | wall | ideal | wall/ideal "
        "| 429s | lost | duplicates | target | met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())
    return 0 if all(row.ok for row in rows) else 1


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "worker":
        _, _, url, count, rate, store_spec, start = sys.argv
        worker(url, int(count), int(rate), store_spec, float(start))
    else:
        os.environ.pop("LIGHT_LOG", None)
        sys.exit(main())
