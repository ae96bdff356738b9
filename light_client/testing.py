"""Testing switches for code that uses light-client.

``instant_waits()`` makes every wait of the SDK -- retry backoff and rate-limit pacing -- return
at once while recording how long it would have been, so tests of retry behaviour run in
milliseconds and can assert the delays::

    from light_client.testing import instant_waits

    with instant_waits() as waits:
        ...  # calls that get 503, 429, ...
    assert waits == [2.0]  # e.g. the server's Retry-After

Timeouts are not affected: they are the HTTP library's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import _waits

__all__ = ["instant_waits"]


@contextmanager
def instant_waits() -> Iterator[list[float]]:
    """Within the block, SDK waits return at once; yields the list of requested waits."""
    previous = _waits.recorder
    waits: list[float] = []
    _waits.recorder = waits
    try:
        yield waits
    finally:
        _waits.recorder = previous
