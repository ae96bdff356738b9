"""One SQLite file shared by threads and processes: what the SQLite stores have in common."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

__all__ = ["SQLiteFile"]


class SQLiteFile:
    """A connection to ``path`` for this process, its schema made on first use.

    ``transaction()`` holds the file's write lock (``BEGIN IMMEDIATE``) and this object's
    thread lock: one change at a time across the threads of a process and across processes.
    """

    def __init__(
        self, path: str | os.PathLike[str], schema: str, *, busy_timeout: float, private: bool
    ) -> None:
        self.path = Path(path)
        self._schema, self._busy_timeout, self._private = schema, busy_timeout, private
        self.lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork: a worker process opens its own.
        if self._connection is None or self._pid != os.getpid():
            import sqlite3  # on first use: `import light_client` does not load it

            created = not self.path.exists()
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                if created and self._private:
                    os.chmod(self.path, 0o600)  # it holds secrets: the owner's eyes only
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(self._schema)
            except BaseException:
                connection.close()  # a file that cannot be set up leaves nothing open
                raise
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one statement, run on its own (no transaction held after it)."""
        with self.lock:
            return self.connect().execute(sql, parameters).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            connection = self.connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
