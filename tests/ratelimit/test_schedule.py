"""The rate-limit schedule (GCRA with bookings) as pure functions: no clock, no store."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from light_client.ratelimit._schedule import (
    Booking,
    Bucket,
    Pace,
    confirm,
    decode_bucket,
    encode_bucket,
    hold,
    release,
    reserve,
    tune,
)

T0 = 1_800_000_000.0
PACE = Pace(interval=0.2, burst=3)  # 300/min


def book(
    bucket: Bucket, n: int, now: float = T0, pace: Pace = PACE
) -> tuple[Bucket, list[Booking]]:
    bookings = []
    for _ in range(n):
        bucket, booking = reserve(bucket, now, pace)
        bookings.append(booking)
    return bucket, bookings


def offsets(bookings: list[Booking], now: float = T0) -> list[float]:
    return [round(b.start - now, 6) for b in bookings]


def test_starts_are_evenly_spaced_after_a_small_burst() -> None:
    _, bookings = book(Bucket(), 8)
    assert offsets(bookings) == [0.0, 0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [round(b.wait, 6) for b in bookings] == offsets(bookings)


def test_an_idle_spell_allows_the_burst_again_never_more() -> None:
    bucket, _ = book(Bucket(), 8)
    _, later = book(bucket, 5, now=T0 + 60)
    assert offsets(later, T0 + 60) == [0.0, 0.0, 0.0, 0.2, 0.4]


def test_no_pacing_of_its_own_is_all_at_once() -> None:
    _, bookings = book(Bucket(), 100, pace=Pace(0.0, 3))
    assert set(offsets(bookings)) == {0.0}


def test_cancelled_bookings_give_their_slots_back() -> None:
    # The case: 2/min, 2 sent, 10 more waiting and all cancelled (first booked first).
    pace = Pace(interval=30.0, burst=1)
    sent, _ = book(Bucket(), 2, pace=pace)
    bucket, waiting = book(sent, 10, now=T0 + 0.1, pace=pace)
    for booking in waiting:
        bucket, _ = release(bucket, booking, T0 + 0.2, pace)
    _, next_after_cancel = reserve(bucket, T0 + 0.3, pace)
    _, next_without = reserve(sent, T0 + 0.3, pace)
    assert next_after_cancel.start == next_without.start == T0 + 60.0
    assert bucket.holes == ()


def test_a_hole_in_the_middle_is_filled_by_the_next_caller() -> None:
    bucket, bookings = book(Bucket(), 8)
    bucket, _ = release(bucket, bookings[4], T0, PACE)  # the one at +0.4
    assert bucket.holes == (bookings[4].start,)
    bucket, filler = reserve(bucket, T0 + 0.1, PACE)
    assert filler.start == bookings[4].start
    _, after = reserve(bucket, T0 + 0.1, PACE)
    assert round(after.start - T0, 6) == 1.2  # the queue's end did not move


def test_a_booking_whose_time_has_passed_is_not_given_back() -> None:
    bucket, bookings = book(Bucket(), 5)
    released, _ = release(bucket, bookings[3], T0 + 1.0, PACE)
    assert released == bucket


def test_a_hold_voids_waiting_bookings_and_releases_them_paced() -> None:
    bucket, waiting = book(Bucket(), 6)
    bucket, moved = hold(bucket, T0 + 10, T0 + 0.1, PACE)
    assert moved and bucket.epoch == 1
    # The sleepers wake at their old times, in booking order, and are booked anew after it.
    rebooked = []
    for booking in waiting:
        bucket, again = confirm(bucket, booking, booking.start, PACE)
        rebooked.append(again)
    assert offsets(rebooked) == [10.0, 10.2, 10.4, 10.6, 10.8, 11.0]
    # A booking of the current epoch stands.
    bucket, kept = confirm(bucket, rebooked[0], T0 + 10, PACE)
    assert kept == Booking(rebooked[0].start, 0.0, 1, hold=T0 + 10)


def test_a_hold_in_the_past_or_already_held_changes_nothing() -> None:
    bucket, _ = hold(Bucket(), T0 + 5, T0, PACE)
    assert hold(bucket, T0 + 4, T0, PACE) == (bucket, False)
    assert hold(bucket, T0 - 1, T0, PACE)[1] is False


def test_a_stricter_server_rate_is_followed_a_looser_one_only_for_new_bookings() -> None:
    bucket, _ = book(Bucket(), 4, pace=Pace(0.05, 3))
    bucket, moved = tune(bucket, 0.1, T0 + 0.01, Pace(0.05, 3))
    assert moved and bucket.server_interval == 0.1
    _, after = book(bucket, 3, now=T0 + 0.01, pace=Pace(0.05, 3))
    assert offsets(after, T0 + 0.01) == [0.0, 0.1, 0.2]  # the new epoch starts without a burst
    looser, moved = tune(bucket, 0.01, T0 + 0.02, Pace(0.05, 3))
    assert not moved and looser.epoch == bucket.epoch and looser.server_interval == 0.01


def test_the_configured_rate_wins_when_it_is_stricter_than_the_server() -> None:
    bucket, moved = tune(Bucket(), 0.05, T0, PACE)  # the server allows 20/s, we want 5/s
    assert not moved
    _, bookings = book(bucket, 5)
    assert offsets(bookings) == [0.0, 0.0, 0.0, 0.2, 0.4]


def test_buckets_survive_text_and_garbage_is_a_fresh_bucket() -> None:
    bucket = Bucket(tat=T0 + 1.5, hold=T0 + 2, epoch=7, holes=(T0 + 1,), server_interval=0.05)
    assert decode_bucket(encode_bucket(bucket)) == bucket
    assert decode_bucket(encode_bucket(bucket).encode()) == bucket
    for junk in (None, "", b"", "not json", "[1, 2]", '{"tat": 1}', "[1, 2, 3, 4]"):
        assert decode_bucket(junk) == Bucket()


operations = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "release", "wait"]),
        st.floats(min_value=0, max_value=0.5),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=60,
)


@given(operations, st.sampled_from([Pace(0.2, 1), Pace(0.2, 3), Pace(1.0, 2)]))
def test_the_starts_that_happen_always_conform_to_the_rate(
    ops: list[tuple[str, float, int]], pace: Pace
) -> None:
    """Whatever is booked and cancelled, the starts kept obey GCRA: n starts need (n-burst)·T."""
    now, bucket = T0, Bucket()
    pending: list[Booking] = []
    started: list[float] = []
    for op, step, pick in ops:
        now += step
        if op == "reserve":
            bucket, booking = reserve(bucket, now, pace)
            assert booking.start >= now
            pending.append(booking)
        elif op == "release" and pending:
            booking = pending.pop(pick % len(pending))
            if booking.start >= now:
                bucket, _ = release(bucket, booking, now, pace)
            else:
                started.append(booking.start)  # too late to cancel: it went
        started += [b.start for b in pending if b.start <= now]
        pending = [b for b in pending if b.start > now]
    starts = sorted(started + [b.start for b in pending])
    for i in range(len(starts)):
        for j in range(i + 1, len(starts)):
            allowed = pace.burst + (starts[j] - starts[i]) / pace.interval + 1e-6
            assert j - i + 1 <= allowed
