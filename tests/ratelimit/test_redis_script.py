"""The Redis script is ``_schedule`` in Lua: both give the same answers and leave the same bucket.

Run on a real redis-server: random buckets, paces, changes and times, each change applied by
``RedisRateLimitStore`` (the script, at a given time) and by the Python function it names.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from light_client import RedisRateLimitStore
from light_client.ratelimit._changes import (
    Change,
    confirm_change,
    describe,
    hold_change,
    release_change,
    reserve_change,
    tune_change,
)
from light_client.ratelimit._schedule import Booking, Bucket, Pace, decode_bucket, encode_bucket

NOW = 1_000_000.0
KEY = "light-client:rate:property"

# Times near NOW, with exact ties and EPSILON-close neighbours drawn often.
offsets = st.one_of(
    st.sampled_from([0.0, 1e-7, -1e-7, 0.2, -0.2, 1.0]),
    st.floats(min_value=-120, max_value=120, allow_nan=False),
)
times = offsets.map(lambda offset: NOW + offset)
paces = st.builds(
    Pace,
    interval=st.one_of(st.just(0.0), st.sampled_from([0.05, 0.2, 30.0]), st.floats(0.01, 10)),
    burst=st.integers(1, 5),
)
buckets = st.builds(
    Bucket,
    tat=st.one_of(st.just(0.0), times),
    hold=st.one_of(st.just(0.0), times),
    epoch=st.integers(0, 3),
    holes=st.lists(times, max_size=4).map(tuple),
    server_interval=st.one_of(st.just(0.0), st.sampled_from([0.2, 3.0]), st.floats(0.01, 10)),
)
bookings = st.builds(
    Booking,
    start=times,
    wait=st.just(0.0),
    epoch=st.integers(0, 3),
    hold=st.one_of(st.just(0.0), times),
)


@st.composite
def changes(draw: st.DrawFn) -> Change[Any]:
    pace = draw(paces)
    kind = draw(st.sampled_from(["reserve", "confirm", "release", "hold", "tune"]))
    if kind == "reserve":
        return reserve_change(pace)
    if kind == "confirm":
        return confirm_change(pace, draw(bookings))
    if kind == "release":
        return release_change(pace, draw(bookings))
    if kind == "hold":
        return hold_change(pace, draw(offsets))
    return tune_change(pace, draw(st.one_of(st.just(0.0), st.floats(0.0, 10))))


@pytest.fixture(scope="module")
def scripted(redis_url: str) -> Any:
    import redis

    admin = redis.Redis.from_url(redis_url)
    yield admin
    admin.close()


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bucket=buckets, change=changes(), now=times)
def test_the_script_and_the_python_schedule_agree(
    scripted: Any, redis_url: str, bucket: Bucket, change: Change[Any], now: float
) -> None:
    assert describe(change) is not None  # the script runs it, not a Python transaction
    scripted.set(KEY, encode_bucket(bucket))
    store = RedisRateLimitStore(redis_url, clock=lambda: now)
    try:
        answer = store.apply(KEY, change)
    finally:
        store.close()
    expected_bucket, expected_answer = change(bucket, now)
    assert answer == expected_answer
    assert decode_bucket(scripted.get(KEY)) == expected_bucket
    assert 0 < scripted.ttl(KEY) <= 3600


def test_an_unreadable_bucket_is_a_fresh_one_in_both(scripted: Any, redis_url: str) -> None:
    pace = Pace(0.2, 3)
    for stored in (b"not json", b'{"tat": 1}', b"[1,2,3]", b'[1,2,3,["x"],0]'):
        scripted.set(KEY, stored)
        store = RedisRateLimitStore(redis_url, clock=lambda: NOW)
        answer = store.apply(KEY, reserve_change(pace))
        store.close()
        assert decode_bucket(stored) == Bucket()
        assert answer == reserve_change(pace)(Bucket(), NOW)[1], stored


async def test_a_change_of_ones_own_runs_as_a_transaction_on_redis_time(
    scripted: Any, redis_url: str
) -> None:
    seen: list[float] = []

    def mine(bucket: Bucket, now: float) -> tuple[Bucket, str]:
        seen.append(now)
        return Bucket(tat=now + 5), "mine"

    assert describe(mine) is None
    store = RedisRateLimitStore(redis_url)
    try:
        assert store.apply(KEY, mine) == "mine"
        assert await store.aapply(KEY, mine) == "mine"  # the same, from asyncio
    finally:
        await store.aclose()
    seconds, microseconds = scripted.time()
    for now in seen:
        assert abs(now - (seconds + microseconds / 1e6)) < 1.0  # Redis's clock, not ours
    assert len(seen) == 2
    assert decode_bucket(scripted.get(KEY)).tat == seen[1] + 5


def test_without_a_clock_the_schedule_runs_on_redis_time(scripted: Any, redis_url: str) -> None:
    scripted.delete(KEY)
    store = RedisRateLimitStore(redis_url)
    try:
        booking = store.apply(KEY, reserve_change(Pace(0.2, 1)))
    finally:
        store.close()
    seconds, microseconds = scripted.time()
    assert booking.wait == 0.0
    assert abs(booking.start - (seconds + microseconds / 1e6)) < 1.0
