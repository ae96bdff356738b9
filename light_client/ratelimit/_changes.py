"""The changes a client makes to its schedule, as values a store can apply or name.

A change is ``change(bucket, now) -> (bucket, answer)``: ``_schedule``'s pure functions with
their arguments bound. Each is a ``functools.partial`` of a module-level function here (cheap to
build before every request). The stores that apply changes in Python simply call them; the Redis
store runs the same five in a server-side script (``_redis_script``), and ``describe`` is how it
tells which one a change is and with what arguments.

A server's hold comes as seconds from now, never as a date: every store has its own clock (a
monotonic one in a process, Redis's in a fleet), so a time is only meaningful in the clock that
read it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from ._schedule import Booking, Bucket, Pace, confirm, hold, release, reserve, tune

__all__ = [
    "Change",
    "confirm_change",
    "describe",
    "hold_change",
    "release_change",
    "reserve_change",
    "tune_change",
]

R = TypeVar("R")
Change = Callable[[Bucket, float], tuple[Bucket, R]]


def reserve_change(pace: Pace) -> Change[Booking]:
    return partial(reserve, pace=pace)  # reserve(bucket, now, pace): no wrapper


def confirm_change(pace: Pace, booking: Booking) -> Change[Booking]:
    return partial(_confirm, booking=booking, pace=pace)


def release_change(pace: Pace, booking: Booking) -> Change[None]:
    return partial(_release, booking=booking, pace=pace)


def hold_change(pace: Pace, seconds: float) -> Change[bool]:
    return partial(_hold, seconds=seconds, pace=pace)


def tune_change(pace: Pace, server_interval: float) -> Change[bool]:
    return partial(_tune, server_interval=server_interval, pace=pace)


def _confirm(bucket: Bucket, now: float, *, booking: Booking, pace: Pace) -> tuple[Bucket, Booking]:
    return confirm(bucket, booking, now, pace)


def _release(bucket: Bucket, now: float, *, booking: Booking, pace: Pace) -> tuple[Bucket, None]:
    return release(bucket, booking, now, pace)


def _hold(bucket: Bucket, now: float, *, seconds: float, pace: Pace) -> tuple[Bucket, bool]:
    return hold(bucket, now + seconds, now, pace)


def _tune(bucket: Bucket, now: float, *, server_interval: float, pace: Pace) -> tuple[Bucket, bool]:
    return tune(bucket, server_interval, now, pace)


# Each change's name in the Redis script, and the numbers it is given there (after the pace).
_NAMES: dict[Callable[..., object], str] = {
    reserve: "reserve",
    _confirm: "confirm",
    _release: "release",
    _hold: "hold",
    _tune: "tune",
}


def describe(change: Change[R]) -> tuple[str, list[float]] | None:
    """``(name, numbers)`` for one of the five changes above -- the pace's interval and burst,
    then the change's own arguments -- or ``None`` for any other (a store of its own may be
    given changes of its own)."""
    if type(change) is not partial:
        return None
    name = _NAMES.get(change.func)
    if name is None or change.args:
        return None
    keywords = change.keywords
    pace: Pace = keywords["pace"]
    numbers = [pace.interval, float(pace.burst)]
    if name in ("confirm", "release"):
        booking: Booking = keywords["booking"]
        numbers += [booking.start, float(booking.epoch), booking.hold]
    elif name == "hold":
        numbers.append(keywords["seconds"])
    elif name == "tune":
        numbers.append(keywords["server_interval"])
    return name, numbers
