"""The rate-limit schedule as pure functions of a small state: GCRA with bookings.

Every client's request starts are booked on one schedule per credential (a ``Bucket``), kept in a
store (``_rate_stores``): in memory, in a SQLite file or in Redis, so that processes sharing a
credential share its budget. Each function here takes the bucket and the store's clock and
returns the new bucket with an answer; a store applies it atomically. No I/O, no sleeping.

The schedule is GCRA (the generic cell rate algorithm): requests start ``interval`` seconds apart,
with at most ``burst`` at once after an idle spell -- never a minute's quota in one go. A call
*books* its start (``reserve``), sleeps until it, then *confirms* the booking (``confirm``).
Three things can change the schedule under a sleeping booking, and each is handled without waking
anyone early:

- a **hold** (a 429, or ``X-RateLimit-Remaining: 0``, says "nothing before t"): the bucket's
  ``epoch`` moves on, every older booking is void, and each sleeper re-books when it wakes, in
  the order it booked -- so the waiting calls are released one ``interval`` apart after ``t``,
  not together;
- a **stricter rate** learnt from the server (``tune``): the same, from now;
- a **cancelled** booking (``release``): its slot is given back. The newest booking is simply
  rolled back; an older one leaves a hole that the next ``reserve`` fills, so the schedule is as
  if the cancelled call had never asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from .._core.errors import InvalidArgumentError

__all__ = [
    "Booking",
    "Bucket",
    "Pace",
    "confirm",
    "decode_bucket",
    "encode_bucket",
    "hold",
    "release",
    "reserve",
    "shifted",
    "tune",
]

# Float times from different processes: treat starts this close as the same instant.
EPSILON = 1e-6


@dataclass(frozen=True)
class Pace:
    """A client's own settings: seconds between starts (0 = no limit of its own) and burst."""

    interval: float
    burst: int

    def __post_init__(self) -> None:
        if self.interval < 0 or self.burst < 1:
            raise InvalidArgumentError("interval must be >= 0 and burst >= 1")


@dataclass(frozen=True)
class Bucket:
    """The shared state of one credential's schedule (Unix times, seconds)."""

    # GCRA's theoretical arrival time: the next start is due at ``tat - tolerance``.
    tat: float = 0.0
    # No start before this: the server's order (a 429's hint, a reset with nothing remaining).
    hold: float = 0.0
    # Bookings made under another epoch are void: their owners re-book when they wake.
    epoch: int = 0
    # Free future slots, given back by cancelled bookings that were not the newest.
    holes: tuple[float, ...] = ()
    # Seconds between starts that the server's X-RateLimit-* headers allow (0 = not known).
    server_interval: float = 0.0


@dataclass(frozen=True)
class Booking:
    """A booked start: ``wait`` seconds from the store's clock when it was made or confirmed."""

    start: float
    wait: float
    epoch: int
    # The server's hold in force when it was booked (0: none).
    hold: float = 0.0
    # Which store made it (a shared store's, or the in-process fallback's when that one is down).
    origin: str = "store"


def _interval(bucket: Bucket, pace: Pace) -> float:
    return max(pace.interval, bucket.server_interval)


def _tolerance(bucket: Bucket, pace: Pace) -> float:
    # No burst at the server's own rate: a few at once on top of it is over its limit in any
    # sliding window. The burst is the client's, within the client's own (slower) rate.
    if bucket.server_interval > pace.interval:
        return 0.0
    return (pace.burst - 1) * pace.interval


def reserve(bucket: Bucket, now: float, pace: Pace) -> tuple[Bucket, Booking]:
    """Book the next free start: a hole left by a cancelled call, else the end of the queue."""
    holes = tuple(hole for hole in bucket.holes if hole >= now) if bucket.holes else ()
    if holes:
        booking = Booking(holes[0], holes[0] - now, bucket.epoch, bucket.hold)
        return replace(bucket, holes=holes[1:]), booking
    interval = _interval(bucket, pace)
    start = max(now, bucket.tat - _tolerance(bucket, pace), bucket.hold)
    tat = max(bucket.tat, start) + interval
    booking = Booking(start, start - now, bucket.epoch, bucket.hold)
    # Built, not replace()d: this runs before every request, and replace() inspects the fields.
    new = Bucket(
        tat=tat, hold=bucket.hold, epoch=bucket.epoch, server_interval=bucket.server_interval
    )
    return new, booking


def confirm(bucket: Bucket, booking: Booking, now: float, pace: Pace) -> tuple[Bucket, Booking]:
    """At the booked time: the same booking if it still stands, else a new one (re-booked)."""
    if booking.epoch == bucket.epoch:
        return bucket, replace(booking, wait=booking.start - now)
    return reserve(bucket, now, pace)


def release(bucket: Bucket, booking: Booking, now: float, pace: Pace) -> tuple[Bucket, None]:
    """Give back a booking whose call was cancelled before it started."""
    interval = _interval(bucket, pace)
    if booking.epoch != bucket.epoch or booking.start < now or interval == 0:
        return bucket, None  # void already, its time has passed, or there is no schedule
    holes = sorted(hole for hole in (*bucket.holes, booking.start) if hole >= now)
    tat = bucket.tat
    # The newest booked slot is the one that ends at ``tat``: roll those back, newest first.
    while holes and holes[-1] + interval + _tolerance(bucket, pace) >= tat - EPSILON:
        holes.pop()
        tat -= interval
    return replace(bucket, tat=tat, holes=tuple(holes)), None


def _rebase(bucket: Bucket, start: float, pace: Pace, **changes: Any) -> Bucket:
    """A new epoch whose first start is ``start``, the next ones an interval apart (no burst)."""
    new = replace(bucket, epoch=bucket.epoch + 1, holes=(), **changes)
    return replace(new, tat=max(start, new.hold) + _tolerance(new, pace))


def hold(bucket: Bucket, until: float, now: float, pace: Pace) -> tuple[Bucket, bool]:
    """Nothing starts before ``until``; whether that moved the schedule."""
    if until <= max(bucket.hold, now) + EPSILON:
        return bucket, False
    return _rebase(bucket, until, pace, hold=until), True


def tune(bucket: Bucket, server_interval: float, now: float, pace: Pace) -> tuple[Bucket, bool]:
    """Follow the rate the server advertises; whether that moved the schedule.

    A stricter rate voids the bookings made at the old one. A looser one is taken for new
    bookings only: the calls already waiting keep their times.
    """
    if abs(server_interval - bucket.server_interval) <= EPSILON:
        return bucket, False
    stricter = max(pace.interval, server_interval) > _interval(bucket, pace) + EPSILON
    if not stricter:
        return replace(bucket, server_interval=server_interval), False
    return _rebase(bucket, now, pace, server_interval=server_interval), True


def shifted(bucket: Bucket, seconds: float) -> Bucket:
    """The same schedule on a clock ``seconds`` ahead of the one it was written on."""
    return replace(
        bucket,
        tat=bucket.tat + seconds,
        hold=bucket.hold + seconds if bucket.hold else 0.0,
        holes=tuple(hole + seconds for hole in bucket.holes),
    )


def encode_bucket(bucket: Bucket) -> str:
    """The bucket as compact JSON, for stores that keep text."""
    return json.dumps(
        [bucket.tat, bucket.hold, bucket.epoch, list(bucket.holes), bucket.server_interval],
        separators=(",", ":"),
    )


def decode_bucket(text: str | bytes | None) -> Bucket:
    """The bucket from ``encode_bucket``'s JSON; a fresh one for nothing or anything unreadable."""
    if not text:
        return Bucket()
    try:
        tat, held, epoch, holes, server_interval = json.loads(text)
        return Bucket(
            float(tat), float(held), int(epoch), tuple(map(float, holes)), float(server_interval)
        )
    except (ValueError, TypeError):
        return Bucket()
