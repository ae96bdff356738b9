"""Rate-limit stores: in memory, a real SQLite file, a real redis-server on loopback.

Clients with the same credential share one budget, different credentials do not; the store
never sees the credential; a store that fails degrades to in-process pacing with a warning.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    InMemoryRateLimitStore,
    LightClient,
    MissingExtraError,
    RateLimitStore,
    RedisRateLimitStore,
    SQLiteRateLimitStore,
    SyncLightClient,
)
from light_client._runtime.policy import SERVER_RATE_MARGIN, ServerRate, server_rate
from light_client.ratelimit._limiter import RateLimiter
from light_client.ratelimit._schedule import Pace
from light_client.ratelimit._stores import rate_limit_key
from tests._harness import CUSTOMER_ID
from tests.conftest import free_port, load_json

CUSTOMER = load_json("seed_customer_response.json")
KEY_A = "sk_test_tenant_A_SECRET"
KEY_B = "sk_test_tenant_B_SECRET"


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RateLimitStore]:
    if request.param == "memory":
        yield InMemoryRateLimitStore()
    elif request.param == "sqlite":
        sqlite = SQLiteRateLimitStore(tmp_path / "rate.sqlite3")
        yield sqlite
        sqlite.close()
    else:
        shared = RedisRateLimitStore(request.getfixturevalue("empty_redis"))
        yield shared
        await shared.aclose()


def waits_of(limiter: RateLimiter, authorization: str, n: int) -> list[float]:
    key = limiter.key(authorization)
    return [round(limiter.apply(key, limiter.reserve()).wait, 1) for _ in range(n)]


def test_one_credential_one_budget_another_credential_its_own(store: RateLimitStore) -> None:
    first = RateLimiter(300, store=store)
    second = RateLimiter(300, store=store)  # another client (or process) with the same store
    assert waits_of(first, f"Basic {KEY_A}", 3) == [0.0, 0.0, 0.0]
    assert waits_of(second, f"Basic {KEY_A}", 2) == [0.2, 0.4]
    assert waits_of(second, f"Basic {KEY_B}", 2) == [0.0, 0.0]


async def test_async_and_sync_share_the_schedule(store: RateLimitStore) -> None:
    limiter = RateLimiter(300, store=store)
    key = limiter.key(f"Basic {KEY_A}")
    waits = [(await limiter.aapply(key, limiter.reserve())).wait for _ in range(3)]
    waits.append(limiter.apply(key, limiter.reserve()).wait)
    assert [round(wait, 1) for wait in waits] == [0.0, 0.0, 0.0, 0.2]


def test_the_store_key_is_a_hash_never_the_credential(redis_url: str, tmp_path: Path) -> None:
    import redis

    key = rate_limit_key(f"Basic {KEY_A}")
    assert KEY_A not in key and key.startswith("light-client:rate:") and len(key) == 58
    assert key != rate_limit_key(f"Basic {KEY_B}")
    shared = RedisRateLimitStore(redis_url)
    RateLimiter(300, store=shared).apply(key, RateLimiter(300).reserve())
    shared.close()
    with redis.Redis.from_url(redis_url, decode_responses=True) as admin:
        names: list[str] = admin.keys("*")
    assert key in names and not any(KEY_A in name for name in names)
    sqlite = SQLiteRateLimitStore(tmp_path / "rate.sqlite3")
    with SyncLightClient(api_key=KEY_A, rate_limit_store=sqlite) as light:
        light._limiter.apply(light._limiter.key("Basic " + KEY_A), light._limiter.reserve())
    sqlite.close()
    assert KEY_A.encode() not in (tmp_path / "rate.sqlite3").read_bytes()


def test_two_processes_share_one_sqlite_budget(tmp_path: Path) -> None:
    """Each process books 3 starts at once: together they are spaced as one client's."""
    path = tmp_path / "rate.sqlite3"
    program = (
        "import sys\n"
        "from light_client import SQLiteRateLimitStore\n"
        "from light_client.ratelimit._limiter import RateLimiter\n"
        "limiter = RateLimiter(60, store=SQLiteRateLimitStore(sys.argv[1]))\n"
        "key = limiter.key('Basic shared')\n"
        "print(' '.join(repr(limiter.apply(key, limiter.reserve()).start) for _ in range(3)))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", program, str(path)], capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    starts = sorted(float(word) for run in runs for word in run.stdout.split())
    gaps = [round(b - a) for a, b in itertools.pairwise(starts)]
    assert gaps == [0, 0, 1, 1, 1]  # a burst of 3, then one a second (60/min)


def test_a_store_that_is_down_degrades_to_in_process_pacing(
    caplog: pytest.LogCaptureFixture, httpx_mock: HTTPXMock, clean_env: pytest.MonkeyPatch
) -> None:
    down = RedisRateLimitStore(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    with (
        caplog.at_level(logging.WARNING, logger="light_client"),
        SyncLightClient(api_key=KEY_A, rate_limit_store=down) as light,
    ):
        customers = [light.customers.update(CUSTOMER_ID, name=f"n{n}") for n in range(2)]
        waits = waits_of(light._limiter, f"Basic {KEY_A}", 2)
    assert [str(customer.id) for customer in customers] == [str(CUSTOMER_ID)] * 2
    assert len(httpx_mock.get_requests()) == 2  # no update lost
    assert waits == [0.0, 0.2]  # still paced, in this process
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage().startswith(
        "rate-limit store RedisRateLimitStore(<url redacted>) failed (ConnectionError: "
    )
    assert warning.getMessage().endswith("pacing in this process only, trying it again every 5 s")


async def test_async_store_down_degrades_too(
    caplog: pytest.LogCaptureFixture, httpx_mock: HTTPXMock, clean_env: pytest.MonkeyPatch
) -> None:
    down = RedisRateLimitStore(f"redis://127.0.0.1:{free_port()}/0")
    httpx_mock.add_response(json=CUSTOMER)
    async with LightClient(api_key=KEY_A, rate_limit_store=down) as light:
        customer = await light.customers.update(CUSTOMER_ID, name="n")
    assert customer.id == CUSTOMER_ID
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


async def test_cancelled_waiters_give_their_slots_back(
    store: RateLimitStore, httpx_mock: HTTPXMock, clean_env: pytest.MonkeyPatch
) -> None:
    """The issue's case: at 2/min, ten calls time out while waiting; the schedule forgets them."""
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    async with LightClient(
        api_key=KEY_A, max_requests_per_minute=2, rate_limit_store=store, max_queue_wait=None
    ) as light:
        for n in range(3):  # the burst goes at once
            await light.customers.update(CUSTOMER_ID, name=f"n{n}")

        async def impatient(n: int) -> Any:
            async with asyncio.timeout(0.2):
                return await light.customers.update(CUSTOMER_ID, name=f"w{n}")

        results = await asyncio.gather(*(impatient(n) for n in range(10)), return_exceptions=True)
        assert all(isinstance(result, TimeoutError) for result in results), results
        (wait,) = waits_of(light._limiter, f"Basic {KEY_A}", 1)
    assert len(httpx_mock.get_requests()) == 3
    assert 29.0 <= wait <= 30.0  # the 4th start of 2/min: not 330 s behind ten ghosts


def test_sync_threads_cancelled_by_keyboard_interrupt_release_too(
    httpx_mock: HTTPXMock, clean_env: pytest.MonkeyPatch
) -> None:
    from light_client._core import clock as _waits

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with SyncLightClient(api_key=KEY_A, max_requests_per_minute=2) as light:
        light._limiter.pace = Pace(30.0, burst=1)
        httpx_mock.add_response(json=CUSTOMER)
        light.customers.update(CUSTOMER_ID, name="sent")
        original = _waits.sync_sleep
        _waits.sync_sleep = interrupted
        try:
            with pytest.raises(KeyboardInterrupt):
                light.customers.update(CUSTOMER_ID, name="interrupted")
        finally:
            _waits.sync_sleep = original
        (wait,) = waits_of(light._limiter, f"Basic {KEY_A}", 1)
    assert 29.0 <= wait <= 30.0


def test_redis_url_is_not_shown() -> None:
    store = RedisRateLimitStore("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(store)


def test_redis_store_without_redis_py_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(MissingExtraError) as caught:
        RedisRateLimitStore("redis://127.0.0.1:1/0")
    assert str(caught.value) == (
        "RedisRateLimitStore needs the [redis] extra (redis is not installed): "
        "pip install 'light-inc[redis]'"
    )
    assert (caught.value.extra, caught.value.name) == ("redis", "redis")


def test_in_memory_store_repr() -> None:
    store = InMemoryRateLimitStore()
    RateLimiter(300, store=store).apply("k", RateLimiter(300).reserve())
    assert repr(store) == "InMemoryRateLimitStore(1 keys)"


def test_in_memory_store_drops_idle_buckets_but_not_a_hold() -> None:
    # A token is a new key every hour: a thousand tenants' old keys must not pile up.
    now = [0.0]
    store = InMemoryRateLimitStore(clock=lambda: now[0])
    limiter = RateLimiter(300, store=store)
    for tenant in range(1000):
        store.apply(f"old-{tenant}", limiter.reserve())
    store.apply("held", limiter.hold(5 * 3600))  # a daily limit: nothing until much later
    now[0] = 1800.0
    store.apply("recent", limiter.reserve())
    assert repr(store) == "InMemoryRateLimitStore(1002 keys)"
    now[0] = 3600.5  # an hour after the old keys were last changed
    booking = store.apply("new", limiter.reserve())
    assert repr(store) == "InMemoryRateLimitStore(3 keys)"  # held, recent, new
    assert booking.wait == 0.0
    # The hold stands: the next booking on it waits for it.
    assert store.apply("held", limiter.reserve()).wait == pytest.approx(5 * 3600 - 3600.5)
    # A bucket whose freed slots (a cancelled booking's) are all past is idle too.
    bookings = [store.apply("cancelled", limiter.reserve()) for _ in range(6)]
    store.apply("cancelled", limiter.release(bookings[3]))  # not the newest: a hole is left
    assert store._buckets["cancelled"][0].holes == (bookings[3].start,)
    now[0] += 7200.0
    store.apply("later", limiter.reserve())
    assert "cancelled" not in store._buckets
    # A change that fails loses nothing: the bucket and its hold stay.
    held_until = store.apply("held", limiter.reserve())

    def broken(bucket: object, now: float) -> tuple[object, None]:
        raise RuntimeError("a user's own change")

    with pytest.raises(RuntimeError):
        store.apply("held", broken)  # type: ignore[arg-type]
    assert store.apply("held", limiter.reserve()).start > held_until.start
    # A dropped key books as a fresh one would.
    assert store.apply("old-7", limiter.reserve()) == InMemoryRateLimitStore(
        clock=lambda: now[0]
    ).apply("old-7", limiter.reserve())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # Names in any case; the interval is the window over the limit, less the margin.
        (
            [
                ("X-RateLimit-Limit", "100"),
                ("x-ratelimit-reset", "1010"),
                ("X-RATELIMIT-REMAINING", "5"),
            ],
            (10 / (100 * SERVER_RATE_MARGIN), None),
        ),
        # Nothing remaining until a reset 10 s away: hold until then.
        (
            [
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Reset", "1010"),
                ("X-RateLimit-Remaining", "0"),
            ],
            (10 / (100 * SERVER_RATE_MARGIN), 1010.0),
        ),
        # A repeated header, or one that is not a finite number, is not used.
        (
            [
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Reset", "1010"),
            ],
            (None, None),
        ),
        ([("X-RateLimit-Limit", "100"), ("X-RateLimit-Reset", "nan")], (None, None)),
        ([("X-RateLimit-Limit", "1e400"), ("X-RateLimit-Reset", "1010")], (None, None)),
        ([("X-RateLimit-Limit", "ten"), ("X-RateLimit-Reset", "1010")], (None, None)),
        ([], (None, None)),
    ],
)
def test_the_servers_rate_limit_headers(
    headers: list[tuple[str, str]], expected: tuple[float | None, float | None]
) -> None:
    _, interval, hold_until = server_rate(ServerRate(), httpx.Headers(headers), now=1000.0)
    assert (interval, hold_until) == expected
