"""``BulkJournal``: where a bulk job records each item's idempotency key and outcome.

A journal is a SQLite file: each key is recorded as ``sending`` before its request leaves and as
``applied`` or ``failed`` after, so a job run again with the same journal skips what was applied
and sends what was in flight again, with the same key.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self, TypeAlias

from .._core.errors import InvalidArgumentError
from .._core.sqlite import SQLiteFile

__all__ = ["BulkJournal", "JournalArgument", "opened"]

JournalArgument: TypeAlias = "BulkJournal | str | os.PathLike[str] | None"

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
                    raise InvalidArgumentError(
                        f"{self.path} is the journal of job {row[0]!r}, not {job_id!r}"
                    )
        except BaseException:
            self._file.close()  # no connection left open behind a journal that was not made
            raise
        self.job_id = str(row[0])

    def input_digest(self, digest: str) -> str:
        """The digest of the job's input file: ``digest`` when this is the first it is told
        (and from then on), or the one an earlier run recorded. The command line refuses to
        resume a job with a file whose digest differs: its rows' keys name their positions.
        ``"unknown"``: the journal has items but no digest (an earlier version made it)."""
        with self._file.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS light_bulk_input (sha256 TEXT NOT NULL)")
            row = db.execute("SELECT sha256 FROM light_bulk_input").fetchone()
            if row is not None:
                return str(row[0])
            started = db.execute("SELECT 1 FROM light_bulk_items LIMIT 1").fetchone()
            if started is not None:  # a journal of an earlier version: its file is not known
                return "unknown"
            db.execute("INSERT INTO light_bulk_input VALUES (?)", (digest,))
            return digest

    def state(self, key: str) -> str | None:
        """``"sending"``, ``"applied"``, ``"failed"``, or ``None`` for a key never sent."""
        rows = self._file.query("SELECT state FROM light_bulk_items WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

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
        rows = self._file.query("SELECT state, COUNT(*) FROM light_bulk_items GROUP BY state")
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
def opened(journal: JournalArgument) -> Iterator[BulkJournal | None]:
    """The journal to use: as given, or opened from a path (and then closed after)."""
    if journal is None or isinstance(journal, BulkJournal):
        yield journal
        return
    with BulkJournal(journal) as opened:
        yield opened
