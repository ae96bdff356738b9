"""Rate limiting: one schedule per credential, kept where every client that shares it can book.

- ``_schedule``: the schedule as pure functions (GCRA with bookings);
- ``_stores``: where schedules live (in memory, a SQLite file, Redis), each applying a change
  atomically;
- ``_limiter``: a client's side: its pace, its store and the changes it books.

Whether a call waits, pauses the client or gives up is decided by the policy
(``light_client._runtime.policy``), not here.
"""

from ._stores import (
    InMemoryRateLimitStore,
    RateLimitStore,
    RedisRateLimitStore,
    SQLiteRateLimitStore,
)

__all__ = [
    "InMemoryRateLimitStore",
    "RateLimitStore",
    "RedisRateLimitStore",
    "SQLiteRateLimitStore",
]
