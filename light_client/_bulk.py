"""``update_many``: many updates at the client's pace, one result each, resumable with a journal.

``light.customers.update_many(items)`` takes ``(id, fields)`` pairs from any iterable (an async
one too, on ``LightClient``), keeps at most ``concurrency`` of them in flight -- the next item is
only read when a slot frees, so the input streams in constant memory -- and yields a
``BulkResult`` per item as it completes. Pacing is the client's own (its rate-limit store, shared
by every client and process with the same credential): nothing here waits on its own.

Every item gets an idempotency key derived from the job and the item (its position, its id and
its exact JSON body), so the same job run twice sends the same keys and Light applies each item
once. A ``BulkJournal`` (SQLite) records each key before it is sent and its outcome after: run
again with the same journal, items already applied are skipped, and items that were in flight
when the process died are sent again with the same key.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, Generator, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeAlias, TypeVar
from uuid import UUID

import attrs

from ._exceptions import AuthenticationError, LightError, RateLimitError
from ._generated.types import Unset
from ._operations import AsyncRequester, Operation, SyncRequester
from ._patch import fields_from_mapping, request_body
from ._response import RawResponse
from ._sqlite import SQLiteFile

__all__ = [
    "DEFAULT_BULK_CONCURRENCY",
    "BulkItems",
    "BulkJournal",
    "BulkResult",
    "BulkStatus",
    "JournalArgument",
    "SyncBulkItems",
    "aupdate_many",
    "update_many",
]

ModelT = TypeVar("ModelT")
# Enough to keep Light's 300 requests per minute (one every 0.2 s) busy at a few hundred ms per
# answer, few enough that a failing run stops quickly.
DEFAULT_BULK_CONCURRENCY = 8
# The namespace of every job's keys (uuid5 of a fixed name: the same in every release).
_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://api.light.inc/light-client/bulk")

# ``(id, fields)``; fields is a mapping, checked at run time: typed Any because mypy infers
# ``object`` for a list of dicts whose values differ (``[(id, {"name": "A"}), (id, {"email": None})]``).
BulkItem: TypeAlias = tuple[UUID | str, Any]
SyncBulkItems: TypeAlias = Iterable[BulkItem]
BulkItems: TypeAlias = Iterable[BulkItem] | AsyncIterable[BulkItem]
BulkStatus: TypeAlias = Literal["applied", "failed", "skipped"]
JournalArgument: TypeAlias = "BulkJournal | str | os.PathLike[str] | None"


@attrs.frozen
class BulkResult(Generic[ModelT]):
    """The outcome of one item of ``update_many``.

    - ``index``: the item's position in the input (0 for the first);
    - ``id``: the resource id as given;
    - ``status``: ``"applied"`` (``model`` is the updated resource), ``"failed"`` (``error`` says
      why: a ``LightError`` from the API, or a ``TypeError``/``ValueError`` for an item that
      could not be sent: an unknown field, a wrong type, an id that is not a UUID) or
      ``"skipped"`` (the journal says an earlier run applied it);
    - ``attempts``: HTTP attempts made (0: nothing was sent);
    - ``idempotency_key``: the key it was (or would be) sent with; ``None`` for a bad item.
    """

    index: int
    id: str
    status: BulkStatus
    model: ModelT | None = None
    error: Exception | None = None
    attempts: int = 0
    idempotency_key: str | None = None

    @property
    def ok(self) -> bool:
        """Applied now or in an earlier run."""
        return self.status != "failed"


_SCHEMA = """CREATE TABLE IF NOT EXISTS light_bulk_items (
    key TEXT PRIMARY KEY,
    item INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
)"""


class BulkJournal:
    """Where ``update_many`` records each item's idempotency key and outcome: a SQLite file.

    One journal is one job: its ``job_id`` (a new UUID when the file is created, or the one you
    give) names the job's idempotency keys. Pass the same journal again after a crash or a
    Ctrl-C and the job resumes: applied items are skipped, the rest are sent with their keys.

    Example::

        with BulkJournal("vat-sync.sqlite3") as journal:
            async for result in light.customers.update_many(rows, journal=journal):
                ...
    """

    def __init__(self, path: str | os.PathLike[str], *, job_id: str | None = None) -> None:
        self.path = Path(path)
        self._file = SQLiteFile(path, _SCHEMA, busy_timeout=30.0, private=True)
        try:
            with self._file.transaction() as db:
                db.execute("CREATE TABLE IF NOT EXISTS light_bulk_job (job_id TEXT NOT NULL)")
                row = db.execute("SELECT job_id FROM light_bulk_job").fetchone()
                if row is None:
                    row = (job_id or str(uuid.uuid4()),)
                    db.execute("INSERT INTO light_bulk_job VALUES (?)", row)
                elif job_id is not None and job_id != row[0]:
                    raise ValueError(
                        f"{self.path} is the journal of job {row[0]!r}, not {job_id!r}"
                    )
        except BaseException:
            self._file.close()  # no connection left open behind a journal that was not made
            raise
        self.job_id = str(row[0])

    def state(self, key: str) -> str | None:
        """``"sending"``, ``"applied"``, ``"failed"``, or ``None`` for a key never sent."""
        with self._file.lock:
            row = (
                self._file.connect()
                .execute("SELECT state FROM light_bulk_items WHERE key = ?", (key,))
                .fetchone()
            )
        return None if row is None else str(row[0])

    def sending(self, key: str, index: int, resource_id: str) -> None:
        """Record ``key`` as about to be sent (committed before the request leaves)."""
        with self._file.transaction() as db:
            db.execute(
                "INSERT INTO light_bulk_items (key, item, resource_id, state) "
                "VALUES (?, ?, ?, 'sending') ON CONFLICT (key) DO UPDATE SET state = 'sending'",
                (key, index, resource_id),
            )

    def finished(self, key: str, state: str, attempts: int, error: str | None) -> None:
        """Record the outcome of ``key``: ``"applied"`` or ``"failed"``."""
        with self._file.transaction() as db:
            db.execute(
                "UPDATE light_bulk_items SET state = ?, attempts = ?, error = ? WHERE key = ?",
                (state, attempts, error, key),
            )

    def counts(self) -> dict[str, int]:
        """How many keys are in each state, e.g. ``{"applied": 997, "failed": 3}``."""
        with self._file.lock:
            rows = self._file.connect().execute(
                "SELECT state, COUNT(*) FROM light_bulk_items GROUP BY state"
            )
            return {str(state): int(count) for state, count in rows}

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@contextlib.contextmanager
def _opened(journal: JournalArgument) -> Iterator[BulkJournal | None]:
    """The journal to use: as given, or opened from a path (and then closed after)."""
    if journal is None or isinstance(journal, BulkJournal):
        yield journal
        return
    with BulkJournal(journal) as opened:
        yield opened


@attrs.frozen
class _Send:
    """An item ready to send."""

    index: int
    id: str
    resource_id: UUID
    params: dict[str, Any]
    key: str


class _Job(Generic[ModelT]):
    """What the async and the sync driver share: items in, results out, the journal kept."""

    def __init__(self, operation: Operation[ModelT], journal: BulkJournal | None) -> None:
        if operation.body_type is None:
            raise TypeError(f"{operation.operation_id} sends no body: it has no update_many")
        self.operation, self.body_type, self.journal = operation, operation.body_type, journal
        job_id = journal.job_id if journal is not None else str(uuid.uuid4())
        self.namespace = uuid.uuid5(_KEY_NAMESPACE, job_id)

    def start(self, index: int, item: Any) -> _Send | BulkResult[ModelT]:
        """The item to send, or its result already: failed (bad item) or skipped (journal)."""
        try:
            given_id, data = item
            resource_id = UUID(given_id) if isinstance(given_id, str) else given_id
            if not isinstance(resource_id, UUID):
                raise ValueError(f"the id must be a UUID or a UUID string, got {given_id!r}")
            if not isinstance(data, Mapping):
                raise TypeError(f"an item's fields must be a mapping, got {type(data).__name__}")
            data = {key: value for key, value in data.items() if not isinstance(value, Unset)}
            fields = fields_from_mapping(self.body_type, data)
            body = request_body(self.body_type(**fields))
        except (TypeError, ValueError) as exc:
            given = item[0] if isinstance(item, tuple) and item else item
            return BulkResult(index, str(given), "failed", error=exc)
        key = str(uuid.uuid5(self.namespace, f"{index}\n{resource_id}\n{body}"))
        if self.journal is not None:
            if self.journal.state(key) == "applied":
                return BulkResult(index, str(given_id), "skipped", idempotency_key=key)
            self.journal.sending(key, index, str(resource_id))
        params = {**fields, "idempotency_key": key}
        return _Send(index, str(given_id), resource_id, params, key)

    def finish(self, send: _Send, outcome: RawResponse[ModelT] | Exception) -> BulkResult[ModelT]:
        """The item's result, journaled. An error every later item would get too (the
        credentials refused, the rate limit out for the day) is raised: it ends the batch, and
        the journal keeps the item as in flight, to be sent again on resume."""
        if isinstance(outcome, AuthenticationError | RateLimitError):
            raise outcome
        if isinstance(outcome, Exception):
            attempts = getattr(outcome, "attempts", 0)
            if self.journal is not None:
                self.journal.finished(send.key, "failed", attempts, f"{outcome}")
            return BulkResult(
                send.index, send.id, "failed", None, outcome, attempts, idempotency_key=send.key
            )
        if self.journal is not None:
            self.journal.finished(send.key, "applied", outcome.attempts, None)
        return BulkResult(
            send.index, send.id, "applied", outcome.parsed, None, outcome.attempts, send.key
        )


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {concurrency!r}")


async def _as_async(items: BulkItems) -> AsyncGenerator[BulkItem, None]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def aupdate_many(
    request: AsyncRequester,
    operation: Operation[ModelT],
    items: BulkItems,
    *,
    concurrency: int = DEFAULT_BULK_CONCURRENCY,
    journal: JournalArgument = None,
) -> AsyncGenerator[BulkResult[ModelT], None]:
    """The async driver of ``update_many``: at most ``concurrency`` items in flight."""
    _check_concurrency(concurrency)

    async def send(job: _Job[ModelT], item: _Send) -> BulkResult[ModelT]:
        try:
            outcome: RawResponse[ModelT] | Exception = await request(
                operation, item.resource_id, item.params
            )
        except (LightError, TypeError, ValueError) as exc:
            outcome = exc
        return job.finish(item, outcome)

    with _opened(journal) as opened:
        job = _Job(operation, opened)
        source, exhausted, index = _as_async(items), False, 0
        pending: set[asyncio.Task[BulkResult[ModelT]]] = set()
        ready: list[asyncio.Task[BulkResult[ModelT]]] = []  # done, not yielded yet
        try:
            while True:
                # Read the next item only when a slot is free: the input is never read ahead.
                while not exhausted and len(pending) < concurrency:
                    try:
                        item = await anext(source)
                    except StopAsyncIteration:
                        exhausted = True
                        break
                    started, index = job.start(index, item), index + 1
                    if isinstance(started, BulkResult):
                        yield started
                    else:
                        pending.add(asyncio.create_task(send(job, started)))
                if not pending:
                    return
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                ready.extend(done)
                while ready:
                    yield ready.pop().result()
        finally:
            # Closed early (or a fatal error): what is still in flight is cancelled; the journal
            # keeps it as "sending", so a resumed job sends it again with the same key.
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, *ready, return_exceptions=True)
            await source.aclose()


def update_many(
    request: SyncRequester,
    operation: Operation[ModelT],
    items: SyncBulkItems,
    *,
    concurrency: int = DEFAULT_BULK_CONCURRENCY,
    journal: JournalArgument = None,
) -> Generator[BulkResult[ModelT], None, None]:
    """The blocking driver of ``update_many``: ``concurrency`` threads share the client."""
    _check_concurrency(concurrency)

    def send(job: _Job[ModelT], item: _Send) -> BulkResult[ModelT]:
        try:
            outcome: RawResponse[ModelT] | Exception = request(
                operation, item.resource_id, item.params
            )
        except (LightError, TypeError, ValueError) as exc:
            outcome = exc
        return job.finish(item, outcome)

    with (
        _opened(journal) as opened,
        concurrent.futures.ThreadPoolExecutor(concurrency, "light-bulk") as pool,
    ):
        job = _Job(operation, opened)
        source, exhausted, index = iter(items), False, 0
        pending: set[concurrent.futures.Future[BulkResult[ModelT]]] = set()
        try:
            while True:
                while not exhausted and len(pending) < concurrency:
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    started, index = job.start(index, item), index + 1
                    if isinstance(started, BulkResult):
                        yield started
                    else:
                        pending.add(pool.submit(send, job, started))
                if not pending:
                    return
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    yield future.result()
        finally:
            # Closed early: items not started yet are dropped; those already sending finish
            # (leaving the pool waits for them) and are journaled.
            for future in pending:
                future.cancel()
