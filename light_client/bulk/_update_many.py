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
when the process died are sent again with the same key. A journal that cannot be written (a full
disk) stops the intake: the items in flight finish and are yielded, then its error is raised.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import AsyncGenerator, AsyncIterable, Generator, Iterable, Mapping
from typing import Any, Generic, Literal, TypeAlias, TypeVar
from uuid import UUID

import attrs

from .._core.errors import InvalidArgumentError
from .._core.types import Unset
from .._runtime.errors import AuthenticationError, LightError, RateLimitError
from .._runtime.operation import AsyncRequester, Operation, SyncRequester
from .._runtime.patch import fields_from_mapping, request_body
from .._runtime.response import RawResponse
from ._journal import BulkJournal, JournalArgument
from ._journal import opened as opened_journal

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

# ``(id, fields)``, or ``(id, fields, idempotency_key)`` to send it with a key of your own (one
# an earlier run gave it: Light applies it once); fields is a mapping, checked at run time:
# typed Any because mypy infers ``object`` for a list of dicts whose values differ
# (``[(id, {"name": "A"}), (id, {"email": None})]``).
BulkItem: TypeAlias = tuple[UUID | str, Any] | tuple[UUID | str, Any, str]
SyncBulkItems: TypeAlias = Iterable[BulkItem]
BulkItems: TypeAlias = Iterable[BulkItem] | AsyncIterable[BulkItem]
BulkStatus: TypeAlias = Literal["applied", "failed", "skipped"]


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
        self.taken = 0  # items read from the input so far
        self.exhausted = False  # no more items are taken: the input ended, or the journal failed
        # The first error the journal raised: the job takes no more items, and raises it once
        # those in flight are done (their answers are known here, if not in the journal).
        self.journal_error: Exception | None = None

    def take(self, item: Any) -> _Send | BulkResult[ModelT] | None:
        """The next item read from the input (``_END``: there are no more, and ``None``)."""
        if item is _END:
            self.exhausted = True
            return None
        self.taken += 1
        return self.start(self.taken - 1, item)

    def start(self, index: int, item: Any) -> _Send | BulkResult[ModelT] | None:
        """The item to send, or its result already: failed (bad item) or skipped (journal);
        ``None``: the journal could not record it, so it is not sent (and the job stops)."""
        try:
            given_id, data, *rest = item
            if len(rest) > 1 or (rest and (not isinstance(rest[0], str) or not rest[0].strip())):
                raise InvalidArgumentError(
                    "an item is (id, fields) or (id, fields, idempotency_key)"
                )
            resource_id = UUID(given_id) if isinstance(given_id, str) else given_id
            if not isinstance(resource_id, UUID):
                raise InvalidArgumentError(
                    f"the id must be a UUID or a UUID string, got {given_id!r}"
                )
            if not isinstance(data, Mapping):
                raise TypeError(f"an item's fields must be a mapping, got {type(data).__name__}")
            data = {key: value for key, value in data.items() if not isinstance(value, Unset)}
            fields = fields_from_mapping(self.body_type, data)
            body = request_body(self.body_type(**fields))
        except (TypeError, ValueError) as exc:
            given = item[0] if isinstance(item, tuple) and item else item
            return BulkResult(index, str(given), "failed", error=exc)
        key = (
            rest[0] if rest else str(uuid.uuid5(self.namespace, f"{index}\n{resource_id}\n{body}"))
        )
        if self.journal is not None:
            try:
                if self.journal.state(key) == "applied":
                    return BulkResult(index, str(given_id), "skipped", idempotency_key=key)
                self.journal.sending(key, index, str(resource_id))
            except Exception as exc:  # the journal is broken: this item is not sent, the job stops
                self.journal_failed(exc)
                return None
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
            self.record(send.key, "failed", attempts, f"{outcome}")
            return BulkResult(
                send.index, send.id, "failed", None, outcome, attempts, idempotency_key=send.key
            )
        self.record(send.key, "applied", outcome.attempts, None)
        return BulkResult(
            send.index, send.id, "applied", outcome.parsed, None, outcome.attempts, send.key
        )

    def record(self, key: str, state: str, attempts: int, error: str | None) -> None:
        """Journal an item's outcome. If the journal fails, the item's result is still given
        (its outcome is known); the journal keeps it as in flight: sent again on resume, with
        its key, so Light applies it once."""
        if self.journal is None:
            return
        try:
            self.journal.finished(key, state, attempts, error)
        except Exception as exc:
            self.journal_failed(exc)

    def journal_failed(self, error: Exception) -> None:
        if self.journal_error is None:
            self.journal_error = error
        self.exhausted = True

    def done(self) -> None:
        """Nothing is in flight any more: the journal's error, if it failed, is raised."""
        if self.journal_error is not None:
            raise self.journal_error


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError(f"concurrency must be a whole number >= 1, got {concurrency!r}")


async def _as_async(items: BulkItems) -> AsyncGenerator[BulkItem, None]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


# What ``anext``/``next`` give back for an input with no items left.
_END: Any = object()


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

    async def send(item: _Send) -> BulkResult[ModelT]:
        try:
            return job.finish(item, await request(operation, (item.resource_id,), item.params))
        except (LightError, TypeError, ValueError) as exc:
            return job.finish(item, exc)

    with opened_journal(journal) as opened:
        job = _Job(operation, opened)
        source = _as_async(items)
        pending: set[asyncio.Task[BulkResult[ModelT]]] = set()
        ready: list[asyncio.Task[BulkResult[ModelT]]] = []  # done, not yielded yet
        try:
            while True:
                # Read the next item only when a slot is free: the input is never read ahead.
                while not job.exhausted and len(pending) < concurrency:
                    started = job.take(await anext(source, _END))
                    if isinstance(started, _Send):
                        pending.add(asyncio.create_task(send(started)))
                    elif started is not None:
                        yield started
                if not pending:
                    job.done()
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

    def send(item: _Send) -> BulkResult[ModelT]:
        try:
            return job.finish(item, request(operation, (item.resource_id,), item.params))
        except (LightError, TypeError, ValueError) as exc:
            return job.finish(item, exc)

    with (
        opened_journal(journal) as opened,
        concurrent.futures.ThreadPoolExecutor(concurrency, "light-bulk") as pool,
    ):
        job = _Job(operation, opened)
        source = iter(items)
        pending: set[concurrent.futures.Future[BulkResult[ModelT]]] = set()
        try:
            while True:
                while not job.exhausted and len(pending) < concurrency:
                    started = job.take(next(source, _END))
                    if isinstance(started, _Send):
                        pending.add(pool.submit(send, started))
                    elif started is not None:
                        yield started
                if not pending:
                    job.done()
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
