"""Where rate-limit schedules live: in memory, in a SQLite file, or in Redis.

A store keeps one small ``Bucket`` per key and applies a change to it atomically: it reads the
bucket, calls the change with its clock's time, and writes the result, with no other change in
between -- across threads (memory), processes on one host (SQLite) or a fleet (Redis). What the
change does is ``_schedule``'s business, so all three stores run the same algorithm.

Each store has one clock, never the wall clock of a process (which NTP may step back): memory
and SQLite use the host's monotonic clock (one for every process of the host), Redis its own
(``TIME``). Keys are hashes of a credential (``rate_limit_key``), never the credential itself.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from .._core.errors import InvalidArgumentError, MissingExtraError
from .._core.log import logger
from .._core.sqlite import SQLiteFile
from ._changes import Change, describe
from ._redis_script import SCRIPT, decode_answer
from ._schedule import Bucket, decode_bucket, encode_bucket, shifted

if TYPE_CHECKING:
    import asyncio

    import redis
    import redis.asyncio

__all__ = [
    "Change",
    "InMemoryRateLimitStore",
    "RateLimitStore",
    "RateLimitStoreError",
    "RedisRateLimitStore",
    "SQLiteRateLimitStore",
    "rate_limit_key",
]

R = TypeVar("R")
# A bucket untouched this long is idle: its schedule has no future left, so it may be dropped.
IDLE_TTL_SECONDS = 3600
# A bucket written this far ahead of our clock was written on another clock (a peer's, or
# this host's before a reboot): its times are moved onto ours.
CLOCK_TOLERANCE_SECONDS = 1.0


class RateLimitStoreError(Exception):
    """A shared rate-limit store could not apply a change (the client paces in-process)."""


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

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # Each key's bucket and when it was last changed, oldest change first (a change moves
        # its key to the end). A key unchanged for IDLE_TTL_SECONDS whose schedule has no
        # future left is dropped, as SQLite and Redis drop theirs: an OAuth token is a new key
        # every hour, and a thousand tenants' old ones would pile up for the process's life.
        self._buckets: dict[str, tuple[Bucket, float]] = {}

    def apply(self, key: str, change: Change[R]) -> R:
        with self._lock:
            now = self._clock()
            held = self._buckets.get(key)
            bucket, answer = change(Bucket() if held is None else held[0], now)
            if held is not None:
                del self._buckets[key]  # put back last: the most recently changed
            self._buckets[key] = (bucket, now)
            self._drop_idle(now)
            return answer

    def _drop_idle(self, now: float) -> None:
        """Drop the idle buckets at the front (the least recently changed), stopping at the
        first one changed within the hour: O(1) per change, amortised. A stale bucket that
        still holds the future (a long hold, a booking or a freed slot ahead) is kept, as if
        changed now."""
        buckets = self._buckets
        while True:
            key = next(iter(buckets))  # never empty: a change has just put its key
            bucket, touched = buckets[key]
            if touched >= now - IDLE_TTL_SECONDS:
                return
            del buckets[key]
            if bucket.tat > now or bucket.hold > now or any(hole > now for hole in bucket.holes):
                buckets[key] = (bucket, now)

    async def aapply(self, key: str, change: Change[R]) -> R:
        return self.apply(key, change)  # a dict under a lock held for microseconds: no thread

    def __repr__(self) -> str:
        return f"InMemoryRateLimitStore({len(self._buckets)} keys)"


class SQLiteRateLimitStore:
    """Buckets in a SQLite file: one budget for every process on this host that opens it.

    The embedded choice for several workers (``uvicorn --workers 4``, job runners): no server.
    Each change is one ``BEGIN IMMEDIATE`` transaction; the file is in WAL mode. A change waits
    up to ``busy_timeout`` seconds for another process's; after that the client paces
    in-process for a while, and every change queued behind the failed one learns so at once.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._file = SQLiteFile(
            path,
            # Not the table of earlier versions (light_rate_buckets, on Unix time; this one is on
            # the host's monotonic clock): an old and a new process do not misread each other.
            "CREATE TABLE IF NOT EXISTS light_rate_schedules "
            "(key TEXT PRIMARY KEY, state TEXT NOT NULL, touched REAL NOT NULL)",
            busy_timeout=busy_timeout,
            private=False,
            reopen_if_replaced=True,  # a schedule is passing state: one budget matters more
        )
        self.path = self._file.path
        self._clock = clock
        # When a change last failed (monotonic): a change that was waiting for the file then
        # fails at once rather than wait its own busy_timeout in turn.
        self._failed_at = -1.0
        self._warned_clock = False

    def apply(self, key: str, change: Change[R], asked: float | None = None) -> R:
        """Apply ``change``; ``asked``: when it was asked for (monotonic; default: now)."""
        if asked is None:
            asked = time.monotonic()
        with self._file.lock:
            if self._failed_at >= asked:
                raise RateLimitStoreError(
                    f"{self!r}: a change failed while this one waited for the file"
                )
            try:
                return self._apply(key, change)
            except Exception:
                self._failed_at = time.monotonic()
                raise

    def _apply(self, key: str, change: Change[R]) -> R:
        with self._file.transaction() as connection:
            row = connection.execute(
                "SELECT state, touched FROM light_rate_schedules WHERE key = ?", (key,)
            ).fetchone()
            now = self._clock()
            bucket = decode_bucket(row[0] if row else None)
            if row and row[1] > now + CLOCK_TOLERANCE_SECONDS:
                bucket = self._onto_our_clock(bucket, row[1] - now)
            bucket, answer = change(bucket, now)
            connection.execute(
                "INSERT OR REPLACE INTO light_rate_schedules (key, state, touched) "
                "VALUES (?, ?, ?)",
                (key, encode_bucket(bucket), now),
            )
            connection.execute(
                "DELETE FROM light_rate_schedules WHERE touched < ? OR touched > ?",
                (now - IDLE_TTL_SECONDS, now + IDLE_TTL_SECONDS),
            )
            return answer

    def _onto_our_clock(self, bucket: Bucket, ahead: float) -> Bucket:
        if not self._warned_clock:
            self._warned_clock = True
            logger.warning(
                "%r: a schedule was written %.1f s ahead of this process's clock (another "
                "clock: a peer's, or before a reboot); its times are moved onto ours",
                self,
                ahead,
            )
        return shifted(bucket, -ahead)

    async def aapply(self, key: str, change: Change[R]) -> R:
        # Waiting for another process's lock must not stall the event loop.
        import asyncio  # on first use: `import light_client` does not load asyncio

        # Asked now, not when a thread is free: a change that failed meanwhile fails this one.
        return await asyncio.to_thread(self.apply, key, change, time.monotonic())

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"SQLiteRateLimitStore({str(self.path)!r})"


class RedisRateLimitStore:
    """Buckets in Redis: one budget for a fleet. Needs ``pip install light-inc[redis]``.

    ``url`` is a Redis URL (``redis://localhost:6379/0``). Each change is one round trip: a
    server-side script (``_redis_script``) that runs the schedule atomically on Redis's clock,
    so the hosts of a fleet agree on the time whatever their own clocks say. Buckets expire
    after an hour unused. ``socket_timeout``: how long a change waits for Redis before the
    client paces in-process instead (a round trip slower than that is an outage). The store is
    yours to close: ``await store.aclose()`` (or ``close()``) at shutdown, after the clients
    that use it.

    ``clock`` (for tests): the time the schedule is computed at, instead of Redis's.
    """

    def __init__(
        self,
        url: str,
        *,
        socket_timeout: float = 2.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        try:
            import redis
            import redis.asyncio
        except ModuleNotFoundError as exc:
            raise MissingExtraError("RedisRateLimitStore", extra="redis", module=exc.name) from exc
        if isinstance(socket_timeout, bool) or not isinstance(socket_timeout, int | float):
            raise TypeError("socket_timeout must be a number of seconds")
        if not socket_timeout > 0:
            raise InvalidArgumentError("socket_timeout must be > 0")
        self.url = url
        self._socket_timeout = float(socket_timeout)
        self._clock = clock
        self._redis = redis
        self._sync: redis.Redis | None = None
        self._sync_script: Any = None
        # redis.asyncio clients belong to the event loop that made them: one per loop.
        self._async: dict[asyncio.AbstractEventLoop, tuple[redis.asyncio.Redis, Any]] = {}

    def _sync_client(self) -> tuple[redis.Redis, Any]:
        if self._sync is None:
            client = self._redis.Redis.from_url(self.url, socket_timeout=self._socket_timeout)
            self._sync, self._sync_script = client, client.register_script(SCRIPT)
        return self._sync, self._sync_script

    def _async_client(self) -> tuple[redis.asyncio.Redis, Any]:
        import asyncio  # on first use: `import light_client` does not load asyncio

        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            for closed in [other for other in self._async if other.is_closed()]:
                del self._async[closed]
            redis_client = self._redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self._socket_timeout
            )
            client = self._async[loop] = (redis_client, redis_client.register_script(SCRIPT))
        return client

    def _arguments(self, name: str, numbers: list[float]) -> list[str | float]:
        now = "" if self._clock is None else repr(self._clock())
        return [name, IDLE_TTL_SECONDS, now, *numbers]

    def apply(self, key: str, change: Change[R]) -> R:
        described = describe(change)
        client, script = self._sync_client()
        if described is None:
            return self._transaction(client, key, change)
        name, numbers = described
        answer = script(keys=[key], args=self._arguments(name, numbers))
        return cast(R, decode_answer(name, answer))

    async def aapply(self, key: str, change: Change[R]) -> R:
        described = describe(change)
        client, script = self._async_client()
        if described is None:
            return await self._atransaction(client, key, change)
        name, numbers = described
        answer = await script(keys=[key], args=self._arguments(name, numbers))
        return cast(R, decode_answer(name, answer))

    # A change the script does not know (a store's user may apply changes of their own): an
    # optimistic transaction, the same schedule code run here, on the same clock.

    def _transaction(self, client: redis.Redis, key: str, change: Change[R]) -> R:
        with client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    # After WATCH the pipeline runs commands at once: get() is the value.
                    current = cast(bytes | None, pipe.get(key))
                    now = self._clock() if self._clock is not None else _seconds(pipe.time())
                    bucket, answer = change(decode_bucket(current), now)
                    pipe.multi()
                    pipe.set(key, encode_bucket(bucket), ex=IDLE_TTL_SECONDS)
                    pipe.execute()
                    return answer
                except self._redis.WatchError:
                    continue

    async def _atransaction(self, client: redis.asyncio.Redis, key: str, change: Change[R]) -> R:
        async with client.pipeline() as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    current = await pipe.get(key)
                    now = self._clock() if self._clock is not None else _seconds(await pipe.time())
                    bucket, answer = change(decode_bucket(current), now)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(key, encode_bucket(bucket), ex=IDLE_TTL_SECONDS)
                    await pipe.execute()
                    return answer
                except self._redis.WatchError:
                    continue

    def close(self) -> None:
        """Close the blocking client's connections (``aclose()`` closes the asyncio ones)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = self._sync_script = None

    async def aclose(self) -> None:
        """Close the connections used from the running event loop, and the blocking ones."""
        import asyncio  # on first use: `import light_client` does not load asyncio

        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client[0].aclose()
        self.close()

    def __repr__(self) -> str:
        return "RedisRateLimitStore(<url redacted>)"  # a Redis URL may hold a password


def _seconds(redis_time: tuple[int, int]) -> float:
    """Redis's ``TIME`` (seconds and microseconds) as Unix seconds."""
    seconds, microseconds = redis_time
    return seconds + microseconds / 1e6
