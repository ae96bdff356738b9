"""Nothing hangs: a sick store or clock costs a call seconds, never its own timeout in turn.

Real components: a second process holding the SQLite file's write lock, a redis-server frozen
with SIGSTOP, a latency proxy on loopback, processes whose wall clock is off or steps back, the
Light mock over real sockets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    InMemoryRateLimitStore,
    LightClient,
    RedisRateLimitStore,
    SQLiteRateLimitStore,
)
from light_client.mock import LightMock, RateLimit
from light_client.ratelimit._limiter import RateLimiter
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID
from tests._servers import LatencyProxy
from tests.conftest import ROOT, load_json, redis_server

CUSTOMER = load_json("seed_customer_response.json")
KEY = "sk_test_store_faults_SECRET"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "light_client" and record.levelno == logging.WARNING
    ]


async def twenty_updates(light: LightClient) -> float:
    """Twenty concurrent updates: the seconds they took, all of them answered."""
    started = time.monotonic()
    customers = await asyncio.gather(
        *(light.customers.update(CUSTOMER_ID, name=f"n{n}") for n in range(20))
    )
    assert len(customers) == 20
    return time.monotonic() - started


@pytest.fixture
def locked_sqlite(tmp_path: Path) -> Iterator[Path]:
    """A SQLite rate store whose write lock another process holds (``BEGIN IMMEDIATE``)."""
    path = tmp_path / "rate.sqlite3"
    SQLiteRateLimitStore(path).close()  # set up, as a running fleet's file is
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        yield path
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


async def test_a_locked_sqlite_store_sends_every_queued_call_to_the_fallback_at_once(
    locked_sqlite: Path, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    # Each change waits 1 s for the lock. Before, the 20 queued calls waited theirs in turn
    # (20 s here, 90 s with the default 5 s and Light's pace), each with a warning.
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    store = SQLiteRateLimitStore(locked_sqlite, busy_timeout=1.0)
    with caplog.at_level(logging.INFO, logger="light_client"):
        async with LightClient(
            api_key=KEY, rate_limit_store=store, max_requests_per_minute=1200
        ) as light:
            took = await twenty_updates(light)
    store.close()
    assert len(httpx_mock.get_requests()) == 20
    assert took < 5.0, took  # one busy timeout, then the in-process pace (about 1 s)
    (warning,) = warnings_of(caplog)  # one per outage, not one per queued call
    assert warning.startswith(f"rate-limit store {store!r} failed (OperationalError: ")


async def test_a_frozen_redis_sends_every_queued_call_to_the_fallback_at_once_and_is_taken_back(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("light_client.ratelimit._limiter.STORE_RETRY_SECONDS", 1.0)
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    with redis_server() as (url, server), caplog.at_level(logging.INFO, logger="light_client"):
        store = RedisRateLimitStore(url, socket_timeout=1.0)
        async with LightClient(
            api_key=KEY, rate_limit_store=store, max_requests_per_minute=1200
        ) as light:
            await light.customers.update(CUSTOMER_ID, name="before")
            server.send_signal(signal.SIGSTOP)
            try:
                took = await twenty_updates(light)
            finally:
                server.send_signal(signal.SIGCONT)
            await asyncio.sleep(1.0)  # the store is tried again after STORE_RETRY_SECONDS
            await light.customers.update(CUSTOMER_ID, name="after")
            assert light._limiter.origin == "store"
        await store.aclose()
    assert len(httpx_mock.get_requests()) == 22
    # Before: the calls took the Redis round trip's timeout one after another (20 x 2 s).
    assert took < 4.0, took
    (warning,) = warnings_of(caplog)
    assert warning.startswith(f"rate-limit store {store!r} failed (TimeoutError: ")
    back = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(message.startswith(f"rate-limit store {store!r} is back after ") for message in back)


async def test_redis_at_200_ms_round_trips_paces_at_the_servers_rate(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    # A change is one round trip (a script), and changes from one process's tasks run side by
    # side. Before: three round trips per change, one change at a time: 1.6 calls/s.
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    with redis_server() as (url, _), LatencyProxy(int(url.split(":")[2].split("/")[0]), 0.1) as far:
        store = RedisRateLimitStore(f"redis://127.0.0.1:{far.port}/0")
        with caplog.at_level(logging.WARNING, logger="light_client"):
            async with LightClient(
                api_key=KEY, rate_limit_store=store, max_requests_per_minute=1200
            ) as light:
                took = await twenty_updates(light)
        await store.aclose()
    assert not warnings_of(caplog)  # the store was used throughout, not the fallback
    assert 20 / took >= 5.0, took


def run_worker(config: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ratelimit._worker", json.dumps(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def result_of(worker: subprocess.Popen[str]) -> dict[str, Any]:
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0
    result: dict[str, Any] = json.loads(output)
    return result


def test_a_wall_clock_stepped_back_30_s_does_not_stall_the_next_call() -> None:
    # Before: the schedule ran on the wall clock, so the call after the step waited 30 s
    # (with timeout=5: the wait before the first send is not the call's).
    with LightMock() as light_mock:
        worker = run_worker(
            {
                "base_url": light_mock.base_url,
                "api_key": light_mock.api_key,
                "customer_id": light_mock.customer_id,
                "rpm": 300,
                "n": 6,
                "step_at": 4,
                "step": -30.0,
                "timeout": 5,
            }
        )
        result = result_of(worker)
    assert result["outcomes"] == ["ok"] * 6
    assert max(result["seconds"]) < 2.0, result["seconds"]


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_process_whose_clock_is_10_s_ahead_does_not_stall_its_peers(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Two processes share a store and one budget (15 calls/s, under the mock's 20/s). Before,
    # the one behind waited for the schedule the other wrote 10 s in its future.
    if kind == "redis":
        store = "redis:" + request.getfixturevalue("empty_redis")
    else:
        store = f"sqlite:{tmp_path / 'rate.sqlite3'}"

    def pair(shift: float) -> float:
        with LightMock(rate_limit=RateLimit(limit=20, window=1.0)) as light_mock:
            config = {
                "base_url": light_mock.base_url,
                "api_key": light_mock.api_key,
                "customer_id": light_mock.customer_id,
                "store": store,
                "rpm": 900,
                "n": 15,
                "concurrent": True,
            }
            workers = [run_worker(config), run_worker({**config, "shift": shift})]
            results = [result_of(worker) for worker in workers]
            assert light_mock.stats.statuses[429] == 0
        for result in results:
            assert result["outcomes"] == ["ok"] * 15
        return max(float(result["total"]) for result in results)

    in_step = pair(0.0)
    skewed = pair(10.0)
    assert skewed <= 1.5 * in_step + 0.5, (skewed, in_step)


def test_a_schedule_written_on_a_clock_far_ahead_is_moved_onto_ours(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # SQLite stores share the host's monotonic clock; one that is not the same (a container's
    # time namespace, the file kept across a reboot) must not stall this process.
    path = tmp_path / "rate.sqlite3"
    ahead = SQLiteRateLimitStore(path, clock=lambda: time.monotonic() + 10.0)
    ours = SQLiteRateLimitStore(path)
    limiter_ahead = RateLimiter(300, store=ahead)
    limiter_ours = RateLimiter(300, store=ours)
    key = limiter_ours.key(f"Basic {KEY}")
    for _ in range(4):  # the burst and one more, on the clock ahead
        limiter_ahead.apply(key, limiter_ahead.reserve())
    with caplog.at_level(logging.WARNING, logger="light_client"):
        waits = [limiter_ours.apply(key, limiter_ours.reserve()).wait for _ in range(2)]
    ahead.close()
    ours.close()
    assert [round(wait, 1) for wait in waits] == [0.4, 0.6]  # the queue, not 10 s ahead
    (warning,) = warnings_of(caplog)
    assert warning.startswith(f"{ours!r}: a schedule was written 10.0 s ahead of this process")


def test_a_deleted_store_file_is_noticed_and_the_budget_stays_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate.sqlite3"
    running = SQLiteRateLimitStore(path)
    limiter = RateLimiter(300, store=running)
    key = limiter.key(f"Basic {KEY}")
    limiter.apply(key, limiter.reserve())
    for suffix in ("", "-wal", "-shm"):  # someone cleans up the directory
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    newcomer = SQLiteRateLimitStore(path)  # a process started after: a new file at the path
    other = RateLimiter(300, store=newcomer)
    assert [round(other.apply(key, other.reserve()).wait, 1) for _ in range(3)] == [0.0] * 3
    with caplog.at_level(logging.WARNING, logger="light_client"):
        waits = [round(limiter.apply(key, limiter.reserve()).wait, 1) for _ in range(3)]
    # After the newcomer's burst: one budget again. Before, the running process kept its
    # deleted file and its own budget ([0.0, 0.0, 0.2]: two bursts at once).
    assert waits == [0.2, 0.4, 0.6]
    (warning,) = warnings_of(caplog)
    assert warning == f"{path} was replaced or deleted while open: opened anew"
    running.close()
    newcomer.close()


def test_processes_setting_up_a_new_store_at_once_wait_for_each_other(tmp_path: Path) -> None:
    # Before, one of several processes making the file at the same moment sometimes got
    # "database is locked" while setting it up and paced alone from its first call.
    script = (
        "import logging, sys, time\n"
        "from light_client import SQLiteRateLimitStore\n"
        "from light_client.ratelimit._limiter import RateLimiter\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "start = float(sys.argv[2])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "limiter = RateLimiter(300, store=SQLiteRateLimitStore(sys.argv[1]))\n"
        "limiter.apply(limiter.key('k'), limiter.reserve())\n"
        "print(limiter.origin)\n"
    )
    for round_ in range(5):
        path = tmp_path / f"rate-{round_}.sqlite3"
        start = time.time() + 1.5
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(path), str(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for _ in range(8)
        ]
        outputs = [worker.communicate(timeout=60) for worker in workers]
        assert [out for out, _ in outputs] == ["store\n"] * 8, [err for _, err in outputs]


class FlakyStore:
    """A shared store that fails while ``down``; counts the changes it was asked for, and
    holds each asynchronous one until ``gate`` is set."""

    def __init__(self) -> None:
        self.down = True
        self.asked = 0
        self.gate: asyncio.Event | None = None
        self.inner = InMemoryRateLimitStore()

    def apply(self, key: str, change: Any) -> Any:
        self.asked += 1
        if self.down:
            raise OSError("store down")
        return self.inner.apply(key, change)

    async def aapply(self, key: str, change: Any) -> Any:
        self.asked += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise OSError("store down")
        return self.inner.apply(key, change)


async def test_while_a_store_is_down_one_change_at_a_time_tries_it_again() -> None:
    clock = FakeClock()
    store = FlakyStore()
    limiter = RateLimiter(300, store=store, clock=clock)
    copy = RateLimiter(300, store=store, clock=clock)  # another client on the same store
    key = limiter.key(f"Basic {KEY}")
    assert limiter.apply(key, limiter.reserve()).origin == "fallback"
    assert store.asked == 1
    # Every client of the store sees the outage: none asks it again before the retry time.
    for each in (limiter, copy, limiter):
        assert each.apply(key, each.reserve()).origin == "fallback"
    assert (store.asked, limiter.origin, copy.origin) == (1, "fallback", "fallback")
    clock.advance(5.0)  # STORE_RETRY_SECONDS: one change probes, the others keep away
    store.gate = asyncio.Event()
    probe = asyncio.create_task(limiter.aapply(key, limiter.reserve()))
    await asyncio.sleep(0)
    others = [await copy.aapply(key, copy.reserve()) for _ in range(3)]
    assert [booking.origin for booking in others] == ["fallback"] * 3
    assert store.asked == 2
    store.down = False
    store.gate.set()
    assert (await probe).origin == "store"
    assert (limiter.origin, copy.origin) == ("store", "store")
    assert copy.apply(key, copy.reserve()).origin == "store"
    assert store.asked == 3


async def test_a_cancelled_probe_leaves_the_next_change_to_probe() -> None:
    clock = FakeClock()
    store = FlakyStore()
    limiter = RateLimiter(300, store=store, clock=clock)
    key = limiter.key(f"Basic {KEY}")
    limiter.apply(key, limiter.reserve())
    clock.advance(5.0)
    store.gate = asyncio.Event()
    probe = asyncio.create_task(limiter.aapply(key, limiter.reserve()))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    store.down, store.gate = False, None
    assert (await limiter.aapply(key, limiter.reserve())).origin == "store"
    assert store.asked == 3
