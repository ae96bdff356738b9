"""``light-client``: bulk updates from a CSV or JSON Lines file, at Light's rate limit.

    light-client customers update --csv rows.csv --journal rows.journal --failed-out failed.csv

(``light-client customers list --jsonl out.jsonl`` exports a list: ``_cli_list.py``.)

Every row is checked before anything is sent (exit 2 with each bad row's line; a file that does
not decode in its --encoding, or a CSV record the csv module refuses, is one line). Rows are then
sent at the client's pace, each with an idempotency key derived from the job and the row; with
``--journal`` the job survives a crash or a Ctrl-C: ``--resume`` skips what was applied and sends
what was in flight again with the same key, so no row is applied twice. Exit status: 0 every
row applied (now or by an earlier run of the job), 1 some failed (``--failed-out`` holds them
with their error) or the run stopped on an error every row would get (credentials refused, the
daily limit) or on a journal or ``--failed-out`` that could not be written (a full disk: the rows
in flight finish, then the summary and the resume command), 2 bad input or a journal or
``--failed-out`` unusable from the start (nothing sent), 130 interrupted (resumable with
``--resume``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import itertools
import json
import os
import shlex
import signal
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from ._cli_list import add_list_action, run_list
from ._client import LightClient
from ._core.constants import DEFAULT_MAX_REQUESTS_PER_MINUTE
from ._runtime.errors import LightError
from ._runtime.operation import Operation
from ._runtime.patch import fields_from_mapping, request_body
from ._version import __version__
from .bulk import _rows as _bulk_rows
from .bulk._update_many import DEFAULT_BULK_CONCURRENCY, BulkJournal, BulkResult
from .resources import list_operations, update_operations

__all__ = ["main"]

EXIT_APPLIED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal

COLUMNS_HELP = """\
columns (CSV) or keys (JSON Lines):
  id                 the resource id (a UUID) of the row; required
  every other one    a field, named as in Light's JSON (vatNumber) or in Python (vat_number)
  _anything          a note, never sent (--failed-out writes the error in _error)

CSV cells: empty leaves the field as it is; the --null-token clears it (sent as null); a field
that cannot hold text (a number, a boolean, an address, a list) is read as JSON: 12500, true,
{"city": "Aarhus"}, ["ap@acme.example"]. JSON Lines: null clears, a key left out leaves as is.
The file is read as UTF-8 (a byte order mark skipped); --encoding cp1252 or latin-1 for an
export in another; --failed-out is written in UTF-8.

credentials: LIGHT_API_KEY (and LIGHT_BASE_URL), as for the SDK's clients.
exit status: 0 all applied, 1 some failed, 2 bad input (nothing sent), 130 interrupted."""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="light-client",
        description="Bulk updates of Light resources from a CSV or JSON Lines file, and exports "
        "of their lists as JSON Lines.",
    )
    parser.add_argument(
        "--version",
        action="version",
        # The command keeps the SDK's name; the distribution to install is light-inc.
        version=f"light-client {__version__} (pip install light-inc)",
    )
    resources = parser.add_subparsers(dest="resource", required=True, metavar="RESOURCE")
    updates, lists = update_operations(), list_operations()
    for attribute in sorted(updates.keys() | lists.keys()):
        name = attribute.replace("_", "-")
        resource = resources.add_parser(name, help=f"update or list {name}")
        actions = resource.add_subparsers(dest="action", required=True, metavar="ACTION")
        if attribute in updates:
            operation = updates[attribute]
            update = actions.add_parser(
                "update",
                help=f"update {name} from a file, one row each",
                description=f"Update {name}: one {operation.method} per row of the file.",
                epilog=COLUMNS_HELP,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            _add_update_options(update)
        if attribute in lists:
            add_list_action(actions, name, lists[attribute])
    return parser


def _add_update_options(update: argparse.ArgumentParser) -> None:
    source = update.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, metavar="PATH", help="rows from a CSV file")
    source.add_argument("--jsonl", type=Path, metavar="PATH", help="rows from a JSON Lines file")
    update.add_argument(
        "--dry-run",
        action="store_true",
        help="check every row and print each request (method, path, exact JSON body); send nothing",
    )
    update.add_argument(
        "--journal",
        type=Path,
        metavar="PATH",
        help="SQLite file recording each row's idempotency key and outcome: the job can resume",
    )
    update.add_argument(
        "--resume",
        action="store_true",
        help="continue the job of --journal: skip rows applied, resend rows in flight (same key)",
    )
    update.add_argument(
        "--concurrency",
        type=_positive,
        default=DEFAULT_BULK_CONCURRENCY,
        metavar="N",
        help=f"requests in flight at most (default {DEFAULT_BULK_CONCURRENCY})",
    )
    update.add_argument(
        "--max-requests-per-minute",
        type=_positive,
        default=DEFAULT_MAX_REQUESTS_PER_MINUTE,
        metavar="N",
        help=f"the pace (default {DEFAULT_MAX_REQUESTS_PER_MINUTE}, Light's limit per key)",
    )
    update.add_argument(
        "--failed-out",
        type=Path,
        metavar="PATH",
        help="write the failed rows there, as read, with their error in _error: fix, run again",
    )
    update.add_argument(
        "--encoding",
        default="utf-8",
        metavar="NAME",
        help="the file's text encoding (default utf-8; e.g. cp1252, latin-1, utf-16)",
    )
    update.add_argument(
        "--null-token",
        metavar="TOKEN",
        help="CSV: a cell equal to TOKEN clears its field (an empty cell leaves it as it is)",
    )
    update.add_argument(
        "--base-url", metavar="URL", help="default: LIGHT_BASE_URL, else https://api.light.inc"
    )


def _error(message: str) -> None:
    print(f"light-client: {message}", file=sys.stderr)


def _reason(error: Exception) -> str:
    """Why a file could not be used, in a few words: "No space left on device"."""
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _unusable_journal(path: Path, error: Exception) -> str:
    """The one line for a journal that cannot be used before the run: nothing was sent."""
    return f"cannot use the journal {path} ({_reason(error)}); nothing was sent"


def main(argv: list[str] | None = None) -> int:
    """The ``light-client`` command (also ``python -m light_client``)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while checking the file, before anything was sent
        _error("interrupted before anything was sent")
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.action == "list":
        return run_list(args, args.resource.replace("-", "_"))
    job = _Job(args)
    if not job.path.is_file():
        _error(f"{job.path}: no such file")
        return EXIT_BAD_INPUT
    try:
        _bulk_rows.text_encoding(args.encoding)
    except LookupError:
        _error(
            f"--encoding {args.encoding!r}: not a text encoding (e.g. utf-8, cp1252, latin-1, utf-16)"
        )
        return EXIT_BAD_INPUT
    if args.dry_run:
        return job.dry_run()
    problem = job.journal_problem()
    if problem is not None:
        _error(problem)
        return EXIT_BAD_INPUT
    try:
        validation = _bulk_rows.validate(
            job.path, job.format, job.body_type, args.null_token, args.encoding
        )
    except _bulk_rows.InputError as exc:
        return _unreadable(exc)
    if validation.error_count:
        _error(f"{job.path}: {validation.error_count} bad rows; nothing was sent")
        print(validation.report(), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        light = LightClient(
            base_url=args.base_url, max_requests_per_minute=args.max_requests_per_minute
        )
    except (LightError, ValueError) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    return asyncio.run(job.run(light, validation.rows))


def _unreadable(error: _bulk_rows.InputError) -> int:
    """The file cannot be read as rows (it does not decode, a broken CSV record): one line."""
    _error(f"{error}; nothing was sent")
    return EXIT_BAD_INPUT


def _digest(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a file of any size, in flat memory)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Job:
    """One run of ``light-client <resource> update``: the rows, the results, the report."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.attribute = args.resource.replace("-", "_")
        self.operation: Operation[Any] = update_operations()[self.attribute]
        assert self.operation.body_type is not None  # update operations have a body
        self.body_type: type[Any] = self.operation.body_type
        self.format: _bulk_rows.Format = "csv" if args.csv is not None else "jsonl"
        self.path: Path = args.csv if args.csv is not None else args.jsonl
        self.counts: Counter[str] = Counter()
        self.in_flight: dict[int, _bulk_rows.Row] = {}
        self.stopping = False
        self.interrupted = 0

    def rows(self) -> Any:
        return _bulk_rows.read_rows(
            self.path, self.format, self.body_type, self.args.null_token, self.args.encoding
        )

    # -- dry run ---------------------------------------------------------------------------------

    def dry_run(self) -> int:
        """Each row's request on stdout, the bad rows on stderr: one pass, nothing sent."""
        validation = _bulk_rows.Validation()
        method = self.operation.method.upper()
        try:
            for row in self.rows():
                problem = row if isinstance(row, _bulk_rows.RowError) else None
                if isinstance(row, _bulk_rows.Row):
                    validation.rows += 1
                    problem = _bulk_rows.check_row(self.body_type, row)
                    if problem is None:
                        body = self.body_type(**fields_from_mapping(self.body_type, row.fields))
                        path, _ = self.operation.url_path((row.id,))
                        print(f"{method} {path} {request_body(body)}")
                if problem is not None:
                    validation.add(problem)
        except _bulk_rows.InputError as exc:
            return _unreadable(exc)
        if validation.error_count:
            _error(f"{self.path}: {validation.error_count} bad rows of {validation.rows}")
            print(validation.report(), file=sys.stderr)
            return EXIT_BAD_INPUT
        _error(f"dry run: {validation.rows} rows checked, nothing sent")
        return EXIT_APPLIED

    # -- the journal -----------------------------------------------------------------------------

    def journal_problem(self) -> str | None:
        journal, resume = self.args.journal, self.args.resume
        if resume and journal is None:
            return "--resume needs the --journal of the job to resume"
        if resume and not journal.is_file():
            return f"--resume: no journal at {journal}"
        if journal is None or not journal.exists():
            return None
        digest = _digest(self.path) if resume else ""
        try:
            with BulkJournal(journal) as opened:
                counts = {} if resume else opened.counts()
                recorded = opened.input_digest(digest) if resume else ""
        except (sqlite3.Error, OSError) as exc:  # corrupt, unreadable, read-only
            return _unusable_journal(journal, exc)
        if not resume:
            listed = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
            return (
                f"{journal} is the journal of an earlier job ({listed or 'empty'}): add --resume "
                f"to continue it, or choose another --journal to start a new one"
            )
        if recorded == "unknown":
            return (
                f"{journal} does not record the file it was started with (an earlier "
                "version made it), so a changed file could not be told apart: start a new "
                "job with another --journal"
            )
        if recorded != digest:
            return (
                f"{self.path} is not the file {journal} was started with: it changed since "
                "(a row added, removed or moved would be applied again under another key). "
                "Resume with the file as it was, or start a new job with another --journal"
            )
        return None

    # -- the run ---------------------------------------------------------------------------------

    def items(self) -> Any:
        """The rows as ``update_many`` items, until the file ends or Ctrl-C stops the intake."""
        rows = self.rows()
        for index in itertools.count():
            try:
                row = next(rows, None)
            except _bulk_rows.InputError as exc:  # the file changed since it was checked
                raise _FileChanged(str(exc)) from None
            if row is None or self.stopping:
                return
            if isinstance(row, _bulk_rows.RowError):  # the file changed since it was checked
                raise _FileChanged(str(row))
            self.in_flight[index] = row
            key = row.cells.get(_bulk_rows.KEY_COLUMN)
            # A row of a --failed-out file carries the key it was sent with: Light applies it
            # once, even if the first run's answer was lost after Light had applied it.
            yield (
                (row.id, row.fields, key) if isinstance(key, str) and key else (row.id, row.fields)
            )

    def interrupt(self, task: asyncio.Task[Any]) -> None:
        self.interrupted += 1
        self.stopping = True
        if self.interrupted == 1:
            _error(
                f"stopping: no new rows; waiting for the {len(self.in_flight)} in flight "
                "(Ctrl-C again to stop at once)"
            )
        else:
            task.cancel()

    def open_journal(self) -> _Journal | None:
        """The job's journal, told the file's digest (a new job: what --resume will hold the
        file to). One this run created and could not set up (a full disk) is removed."""
        path: Path | None = self.args.journal
        if path is None:
            return None
        created = not path.exists()
        try:
            journal = _Journal(path)
            try:
                journal.input_digest(_digest(self.path))
            except BaseException:
                journal.close()
                raise
        except BaseException:
            if created:  # left, it would be "the journal of an earlier job" to the next run
                for made in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
                    with contextlib.suppress(OSError):
                        made.unlink()
            raise
        return journal

    async def run(self, light: LightClient, total: int) -> int:
        try:  # before anything is sent: a file that cannot be written is one line, exit 2
            failed_out = _FailedOut(
                self.args.failed_out, self.format, self.path, self.args.encoding
            )
        except OSError as exc:
            await light.aclose()
            path = self.args.failed_out
            _error(f"cannot write --failed-out {path} ({_reason(exc)}); nothing was sent")
            return EXIT_BAD_INPUT
        try:
            journal = self.open_journal()
        except (sqlite3.Error, OSError) as exc:  # a full disk, no such directory, read-only
            failed_out.close()
            await light.aclose()
            _error(_unusable_journal(self.args.journal, exc))
            return EXIT_BAD_INPUT
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGINT, self.interrupt, task)
        progress = _Progress(total, self.counts)
        started, stops = time.monotonic(), []
        try:
            results = getattr(light, self.attribute).update_many(
                self.items(), concurrency=self.args.concurrency, journal=journal
            )
            async with contextlib.aclosing(results):
                async for result in results:
                    self.record(result, failed_out)
                    progress.advance()
        except asyncio.CancelledError:
            task.uncancel()  # the second Ctrl-C: in-flight rows stay journaled as sending
        except (LightError, _FileChanged) as exc:
            stops.append(str(exc))
        except Exception as exc:
            if journal is None or journal.error is not exc:
                raise
            # update_many took no row since, and raised once the rows in flight were done.
            stops.append(journal.failure())
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            progress.close()
            failed_out.close()
            if journal is not None:
                journal.close()
            await light.aclose()
        if failed_out.error is not None:
            stops.append(failed_out.failure())
        unrecorded = len(journal.unrecorded) if journal is not None else 0
        wall = time.monotonic() - started
        return self.report(total, wall, stops, unrecorded, failed_out.error is None)

    def record(self, result: BulkResult[Any], failed_out: _FailedOut) -> None:
        row = self.in_flight.pop(result.index)
        self.counts[result.status] += 1
        if result.status == "failed":
            # Only a row that may have been applied keeps its key: sent again with it, Light
            # applies it once. A row that was refused (a 404, a 400) is fixed and sent anew.
            maybe_applied = getattr(result.error, "outcome_unknown", False) is True
            self.counts["unknown"] += maybe_applied
            key = result.idempotency_key if maybe_applied else None
            failed_out.write(row, " ".join(str(result.error).split()), key)
            if failed_out.error is not None:  # a full disk: no new rows (their errors, lost)
                self.stopping = True

    def report(
        self, total: int, wall: float, stops: list[str], unrecorded: int, failed_out_whole: bool
    ) -> int:
        done = sum(self.counts.values())
        table = [
            ("applied", self.counts["applied"]),
            ("failed", self.counts["failed"]),
            # Sent, answer lost: may be applied; run again (--resume, or the --failed-out file,
            # which keeps each row's key) and Light applies each once.
            *(
                [("  of them, may be applied", self.counts["unknown"])]
                if self.counts["unknown"]
                else []
            ),
            ("skipped (applied by an earlier run)", self.counts["skipped"]),
            ("not done", total - done),
            ("rows", total),
            # Answered, but the journal could not record it: --resume sends it again, same key.
            *([("done, not in the journal", unrecorded)] if unrecorded else []),
        ]
        width = max(len(label) for label, _ in table)
        print(f"{'outcome':<{width}}  {'rows':>9}")
        for label, count in table:
            print(f"{label:<{width}}  {count:>9}")
        sent = self.counts["applied"] + self.counts["failed"]
        rate = sent / wall if wall > 0 else 0.0
        print(f"{'wall time, rate':<{width}}  {wall:>8.1f}s  {rate:.2f} rows/s")
        if self.counts["failed"] and self.args.failed_out is not None and failed_out_whole:
            print(f"failed rows, with their error: {self.args.failed_out}")
        for stop in stops:  # "stopped:" unless every row was done anyway
            _error(f"stopped: {stop}" if done < total else stop)
        if done < total:
            self._resume_hint()
            return EXIT_FAILED if stops else EXIT_INTERRUPTED
        return EXIT_FAILED if self.counts["failed"] or stops else EXIT_APPLIED

    def _resume_hint(self) -> None:
        if self.args.journal is None:
            _error(
                "not resumable: no --journal was given. A run of the same file would apply "
                "the rows already done again; next time pass --journal PATH"
            )
            return
        argv = [arg for arg in sys.argv[1:] if arg != "--resume"]
        command = shlex.join(["light-client", *argv, "--resume"])
        _error(f"resume with:\n  {command}")


class _FileChanged(Exception):
    """A row that was fine when the file was checked is not any more."""


class _Journal(BulkJournal):
    """The command's journal: the first error it raised, and the rows it could not record as
    done (answered, still "sending" in it: --resume sends them again, with their key)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.error: Exception | None = None
        self.unrecorded: set[str] = set()

    def failed(self, error: Exception) -> None:
        if self.error is None:
            self.error = error

    def failure(self) -> str:
        assert self.error is not None
        finished = "the rows in flight finished"
        if self.unrecorded:
            finished += (
                f", {len(self.unrecorded)} of them not recorded in it (--resume sends those "
                "again with their key: Light applies each once)"
            )
        return f"the journal {self.path} could not be written ({_reason(self.error)}); {finished}"

    def state(self, key: str) -> str | None:
        try:
            return super().state(key)
        except Exception as exc:
            self.failed(exc)
            raise

    def sending(self, key: str, index: int, resource_id: str) -> None:
        try:
            super().sending(key, index, resource_id)
        except Exception as exc:
            self.failed(exc)
            raise

    def finished(self, key: str, state: str, attempts: int, error: str | None) -> None:
        try:
            super().finished(key, state, attempts, error)
        except Exception as exc:
            self.failed(exc)
            self.unrecorded.add(key)
            raise


class _FailedOut:
    """The failed rows, as read, with their error in ``_error``: a file to fix and run again."""

    def __init__(
        self, path: Path | None, format: _bulk_rows.Format, source: Path, encoding: str
    ) -> None:
        self.path = path
        self._stream: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None
        self.error: OSError | None = None  # the write that failed (a full disk): none after it
        self.lost = 0  # failed rows not written
        if path is None:
            return
        self._stream = path.open("w", encoding="utf-8", newline="")
        try:
            self._header(format, source, encoding)
        except BaseException:
            with contextlib.suppress(OSError):
                self._stream.close()
            raise

    def _header(self, format: _bulk_rows.Format, source: Path, encoding: str) -> None:
        assert self._stream is not None
        if format == "csv":
            codec = _bulk_rows.text_encoding(encoding)
            with source.open(encoding=codec, newline="") as header_source:
                columns = next(csv.reader(header_source), [])
            notes = (_bulk_rows.ERROR_COLUMN, _bulk_rows.KEY_COLUMN)
            columns = [column for column in columns if column not in notes]
            self._csv = csv.DictWriter(self._stream, [*columns, *notes], extrasaction="ignore")
            self._csv.writeheader()
            self._stream.flush()  # a full disk is found now, before anything is sent

    def write(self, row: _bulk_rows.Row, error: str, key: str | None) -> None:
        if self._stream is None:
            return
        if self.error is not None:
            self.lost += 1
            return
        written = {**row.cells, _bulk_rows.ERROR_COLUMN: error}
        if key is not None:  # run again, the row is sent with it: applied once, whatever happened
            written[_bulk_rows.KEY_COLUMN] = key
        try:
            if self._csv is not None:
                self._csv.writerow(written)
            else:
                self._stream.write(json.dumps(written, ensure_ascii=False) + "\n")
            self._stream.flush()  # a crash keeps the rows written so far
        except OSError as exc:
            self.error = exc
            self.lost += 1

    def failure(self) -> str:
        assert self.error is not None
        rows = "1 failed row is" if self.lost == 1 else f"{self.lost} failed rows are"
        missing = f"{rows} not in it" if self.lost else "its last rows may be missing"
        return f"--failed-out {self.path} could not be written ({_reason(self.error)}): {missing}"

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.close()
            except OSError as exc:  # what a failed write left in the buffer, or a late error
                self.error = self.error or exc


class _Progress:
    """A tqdm bar (rate, ETA) on a terminal with the ``cli`` extra; else a line every 5 s."""

    def __init__(self, total: int, counts: Counter[str]) -> None:
        self.total, self.counts = total, counts
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        if sys.stderr.isatty() and os.environ.get("TERM") != "dumb":
            with contextlib.suppress(ImportError):
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="row", file=sys.stderr, dynamic_ncols=True)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix(failed=self.counts["failed"], refresh=False)
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_PROGRESS_EVERY:
            self.last_line = now
            print(self.line(now), file=sys.stderr, flush=True)

    def line(self, now: float) -> str:
        done = sum(self.counts.values())
        sent = self.counts["applied"] + self.counts["failed"]  # skipped rows take no time
        rate = sent / (now - self.started) if now > self.started else 0.0
        eta = f"{(self.total - done) / rate:.0f}s" if rate else "?"
        return (
            f"light-client: {done}/{self.total} rows ({self.counts['applied']} applied, "
            f"{self.counts['failed']} failed, {self.counts['skipped']} skipped), "
            f"{rate:.1f} rows/s, ETA {eta}"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
