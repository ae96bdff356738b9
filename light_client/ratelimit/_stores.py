"""Where rate-limit schedules live: in memory, in a SQLite file, or in Redis.

A store keeps one small ``Bucket`` per key and applies a change to it atomically: it reads the
bucket, calls the change with its clock's time, and writes the result, with no other change in
between -- across threads (memory), processes on one host (SQLite) or a fleet (Redis). What the
change does is ``_schedule``'s business, so all three stores run the same algorithm.

Keys are hashes of a credential (``rate_limit_key``), never the credential itself.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from .._core.sqlite import SQLiteFile
from ._schedule import Bucket, decode_bucket, encode_bucket

if TYPE_CHECKING:
    import asyncio

    import redis
    import redis.asyncio

__all__ = [
    "Change",
    "InMemoryRateLimitStore",
    "RateLimitStore",
    "RedisRateLimitStore",
    "SQLiteRateLimitStore",
    "rate_limit_key",
]

R = TypeVar("R")
Change = Callable[[Bucket, float], tuple[Bucket, R]]
# A bucket untouched this long is idle: its schedule has no future left, so it may be dropped.
IDLE_TTL_SECONDS = 3600


def rate_limit_key(authorization: str) -> str:
    """The store key for a credential: a hash, so the credential never reaches the store."""
    digest = hashlib.sha256(b"light-client rate limit\0" + authorization.encode()).hexdigest()
    return f"light-client:rate:{digest[:40]}"


class RateLimitStore(Protocol):
    """Keeps rate-limit buckets and applies changes to them atomically (sync and async)."""

    def apply(self, key: str, change: Change[R]) -> R:
        """Apply ``change`` to the bucket under ``key``; its answer."""
        ...

    async def aapply(self, key: str, change: Change[R]) -> R:
        """The same, for asyncio code."""
        ...


class InMemoryRateLimitStore:
    """The default: buckets in this process, shared by every client given this store.

    Pass one instance to several clients (threads, tasks, tenants' clients) to give clients
    with the same credential one budget.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}

    def apply(self, key: str, change: Change[R]) -> R:
        with self._lock:
            bucket = self._buckets.get(key)
            bucket, answer = change(Bucket() if bucket is None else bucket, self._clock())
            self._buckets[key] = bucket
            return answer

    async def aapply(self, key: str, change: Change[R]) -> R:
        return self.apply(key, change)  # a dict under a lock held for microseconds: no thread

    def __repr__(self) -> str:
        return f"InMemoryRateLimitStore({len(self._buckets)} keys)"


class SQLiteRateLimitStore:
    """Buckets in a SQLite file: one budget for every process on this host that opens it.

    The embedded choice for several workers (``uvicorn --workers 4``, job runners): no server.
    Each change is one ``BEGIN IMMEDIATE`` transaction; the file is in WAL mode.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._file = SQLiteFile(
            path,
            "CREATE TABLE IF NOT EXISTS light_rate_buckets "
            "(key TEXT PRIMARY KEY, state TEXT NOT NULL, touched REAL NOT NULL)",
            busy_timeout=busy_timeout,
            private=False,
        )
        self.path = self._file.path
        self._clock = clock

    def apply(self, key: str, change: Change[R]) -> R:
        with self._file.transaction() as connection:
            row = connection.execute(
                "SELECT state FROM light_rate_buckets WHERE key = ?", (key,)
            ).fetchone()
            now = self._clock()
            bucket, answer = change(decode_bucket(row[0] if row else None), now)
            connection.execute(
                "INSERT OR REPLACE INTO light_rate_buckets (key, state, touched) VALUES (?, ?, ?)",
                (key, encode_bucket(bucket), now),
            )
            connection.execute(
                "DELETE FROM light_rate_buckets WHERE touched < ?", (now - IDLE_TTL_SECONDS,)
            )
            return answer

    async def aapply(self, key: str, change: Change[R]) -> R:
        # Waiting for another process's lock must not stall the event loop.
        import asyncio  # on first use: `import light_client` does not load asyncio

        return await asyncio.to_thread(self.apply, key, change)

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"SQLiteRateLimitStore({str(self.path)!r})"


class RedisRateLimitStore:
    """Buckets in Redis: one budget for a fleet. Needs ``pip install light-client[redis]``.

    ``url`` is a Redis URL (``redis://localhost:6379/0``). Each change is an optimistic
    transaction (``WATCH`` / ``MULTI`` / ``EXEC``, retried when another client got there
    first), so the same schedule code runs here as in the other stores. Buckets expire after an
    hour unused. The store is yours to close: ``await store.aclose()`` (or ``close()``) at
    shutdown, after the clients that use it.
    """

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        try:
            import redis
            import redis.asyncio
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                "RedisRateLimitStore needs redis-py: pip install 'light-client[redis]'"
            ) from exc
        self.url = url
        self._clock = clock
        self._redis = redis
        self._sync: redis.Redis | None = None
        # redis.asyncio clients belong to the event loop that made them: one per loop. Changes
        # from one process go one at a time (a lock per loop, and one for threads), so that
        # optimistic transactions only ever race other processes, not their own siblings.
        self._async: dict[asyncio.AbstractEventLoop, tuple[redis.asyncio.Redis, asyncio.Lock]] = {}
        self._thread_lock = threading.Lock()

    def _sync_client(self) -> redis.Redis:
        if self._sync is None:
            self._sync = self._redis.Redis.from_url(self.url, socket_timeout=2.0)
        return self._sync

    def _async_client(self) -> tuple[redis.asyncio.Redis, asyncio.Lock]:
        import asyncio  # on first use: `import light_client` does not load asyncio

        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            for closed in [other for other in self._async if other.is_closed()]:
                del self._async[closed]
            redis_client = self._redis.asyncio.Redis.from_url(self.url, socket_timeout=2.0)
            client = self._async[loop] = (redis_client, asyncio.Lock())
        return client

    def _write(self, pipe: Any, key: str, bucket: Bucket) -> None:
        pipe.multi()
        pipe.set(key, encode_bucket(bucket), ex=IDLE_TTL_SECONDS)

    def apply(self, key: str, change: Change[R]) -> R:
        with self._thread_lock, self._sync_client().pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    # After WATCH the pipeline runs commands at once: get() is the value.
                    current = cast(bytes | None, pipe.get(key))
                    bucket, answer = change(decode_bucket(current), self._clock())
                    self._write(pipe, key, bucket)
                    pipe.execute()
                    return answer
                except self._redis.WatchError:
                    continue

    async def aapply(self, key: str, change: Change[R]) -> R:
        client, lock = self._async_client()
        async with lock, client.pipeline() as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    bucket, answer = change(decode_bucket(await pipe.get(key)), self._clock())
                    self._write(pipe, key, bucket)
                    await pipe.execute()
                    return answer
                except self._redis.WatchError:
                    continue

    def close(self) -> None:
        """Close the blocking client's connections (``aclose()`` closes the asyncio ones)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the connections used from the running event loop, and the blocking ones."""
        import asyncio  # on first use: `import light_client` does not load asyncio

        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client[0].aclose()
        self.close()

    def __repr__(self) -> str:
        return "RedisRateLimitStore(<url redacted>)"  # a Redis URL may hold a password
