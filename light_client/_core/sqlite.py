"""One SQLite file shared by threads and processes: what the SQLite stores have in common."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
        self,
        path: str | os.PathLike[str],
        schema: str,
        *,
        busy_timeout: float,
        private: bool,
        reopen_if_replaced: bool = False,
    ) -> None:
        self.path = Path(path)
        self._schema, self._busy_timeout, self._private = schema, busy_timeout, private
        self.lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._identity: tuple[int, int] | None = None  # the open file's device and inode
        self._reopen_if_replaced = reopen_if_replaced

    def connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork: a worker process opens its own.
        if self._connection is None or self._pid != os.getpid():
            import sqlite3  # on first use: `import light_client` does not load it

            if self._private:
                self._make_private()
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                self._set_up(connection)
                if self._private:  # SQLite's own files next to it hold the same data
                    for suffix in ("-wal", "-shm"):
                        side = self.path.with_name(self.path.name + suffix)
                        if side.exists():
                            os.chmod(side, 0o600)
                self._identity = _identity(os.stat(self.path))
            except BaseException:
                connection.close()  # a file that cannot be set up leaves nothing open
                raise
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _set_up(self, connection: sqlite3.Connection) -> None:
        """WAL mode and the schema, waiting for other processes like any change does.

        Switching a new file to WAL takes a lock that SQLite does not wait for (its busy
        handler is not called for it): processes opening a new file at the same moment would
        get "database is locked". They try again, for up to ``busy_timeout`` seconds.
        """
        import sqlite3

        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(self._schema)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    def _check_identity(self) -> None:
        """Whether the path is still the file this process has open. If it was deleted or
        replaced, a process started since uses another file with no one the wiser: a file of
        passing state (a rate schedule) is opened anew; one whose data is the only copy (tokens,
        a journal) is kept, and the loss of its path is an ERROR, once."""
        if self._connection is None or self._pid != os.getpid():
            return
        try:
            identity: tuple[int, int] | None = _identity(os.stat(self.path))
        except FileNotFoundError:
            identity = None
        if identity == self._identity:
            return
        from .log import logger

        if self._reopen_if_replaced:
            logger.warning("%s was replaced or deleted while open: opened anew", self.path)
            self._connection.close()
            self._connection = None
        else:
            logger.error(
                "%s was replaced or deleted while open: this process keeps the file it opened, "
                "which other processes no longer see; restore it from this process's data",
                self.path,
            )
            self._identity = identity  # said once

    def _make_private(self) -> None:
        """The file exists with mode 0600 before SQLite opens it: created so whatever the
        umask (never readable by others, not even for a moment); an existing file that others
        may read is tightened, with a warning."""
        try:
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            mode = self.path.stat().st_mode & 0o777
            if mode & 0o077:
                from .log import logger

                logger.warning(
                    "%s held secrets readable by others (mode %o): now 0600", self.path, mode
                )
                os.chmod(self.path, 0o600)
            return
        try:
            os.fchmod(descriptor, 0o600)  # the umask may have taken bits off, never added any
        finally:
            os.close(descriptor)

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one statement, run on its own (no transaction held after it)."""
        with self.lock:
            self._check_identity()
            return self.connect().execute(sql, parameters).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._check_identity()
            connection = self.connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk, an I/O error): a ROLLBACK
                # then would raise and hide why. A COMMIT that failed (busy) leaves none open.
                if connection.in_transaction:
                    import sqlite3

                    with suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino
