"""Client-side rate-limit pacing, shared by every task (or thread) using one client.

A sliding-window schedule: at most ``max_requests`` request starts in any ``window`` seconds,
which keeps inside Light's limit whether the server counts in fixed or sliding windows. The
server's own word refines it: ``X-RateLimit-Remaining: 0`` or a 429 pauses the whole client until
the reset time it gives. Pure bookkeeping under a lock; callers do the waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from ._constants import MAX_RETRY_AFTER
from ._retries import server_wait

__all__ = ["RequestPacer"]


class RequestPacer:
    """Hands out start times: ``reserve()`` returns how long to wait before sending.

    ``max_requests=None`` turns the schedule off; pauses ordered by the server still apply.
    """

    def __init__(
        self,
        max_requests: int | None,
        window: float,
        *,
        max_pause: float = MAX_RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if (max_requests is not None and max_requests < 1) or window <= 0:
            raise ValueError("max_requests must be None or >= 1, and window > 0")
        self.max_requests = max_requests
        self.window = window
        self.max_pause = max_pause
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._paused_until = 0.0

    def reserve(self) -> float:
        """Book the next free start time; return the seconds to wait for it (0 when free now)."""
        with self._lock:
            now = self._clock()
            while self._starts and self._starts[0] <= now - self.window:
                self._starts.popleft()
            # Never before an earlier booking: the schedule stays in order, first come first served.
            start = max(now, self._paused_until, self._starts[-1] if self._starts else now)
            if self.max_requests is None:
                return start - now
            if len(self._starts) >= self.max_requests:
                start = max(start, self._starts[-self.max_requests] + self.window)
            self._starts.append(start)
            return start - now

    def pause_for(self, seconds: float) -> bool:
        """Hold every request of this client for ``seconds`` from now; whether it did.

        A pause longer than ``max_pause`` is refused: calls then fail with the server's error
        instead of the client freezing for hours (e.g. until a daily limit resets).
        """
        if seconds > self.max_pause:
            return False
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
        return True

    def observe(self, status_code: int, headers: Mapping[str, str]) -> bool:
        """Learn from an answer; whether the whole client is now paused because of it.

        A 429 pauses for the server's hint (``Retry-After``, ``X-RateLimit-Reset``, ...); any
        other answer saying ``X-RateLimit-Remaining: 0`` pauses until its ``X-RateLimit-Reset``.
        """
        now = self._wall_clock()
        if status_code == 429:
            hint = server_wait(429, headers, now)
            return hint is not None and self.pause_for(hint)
        try:
            exhausted = int(headers["x-ratelimit-remaining"]) <= 0
            reset_in = float(headers["x-ratelimit-reset"]) - now
        except (KeyError, ValueError):
            return False
        return exhausted and reset_in > 0 and self.pause_for(reset_in)
