"""The ``light-client`` command (light_client/_cli.py, _bulk_rows.py): checks, runs, resume."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from light_client._cli import main
from light_client.mock import Faults, LightMock, RateLimit

CUSTOMER = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"
CREDIT = "c81d4e2f-7a9b-4c3d-8e1f-0a2b3c4d5e03"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[LightMock]:
    """A mock no test here rate-limits, and the command's credentials pointing at it."""
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0)) as running:
        monkeypatch.setenv("LIGHT_API_KEY", running.api_key)
        monkeypatch.setenv("LIGHT_BASE_URL", running.base_url)
        yield running


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def update(*arguments: str | Path, resource: str = "customers") -> list[str]:
    return [resource, "update", *map(str, arguments), "--max-requests-per-minute", "60000"]


def test_three_bad_rows_of_a_thousand_exit_2_all_reported_nothing_sent(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[CUSTOMER, f"Customer {n}", ""] for n in range(1000)]
    rows[99] = ["not-a-uuid", "x", ""]  # line 101 (the header is line 1)
    rows[499] = [CUSTOMER, "x", "a city"]  # an address is an object: JSON
    rows[899] = [CUSTOMER, "x"]  # a cell short
    source = write_csv(tmp_path / "rows.csv", ["id", "name", "address"], rows)

    assert main(update("--csv", source)) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"light-client: {source}: 3 bad rows; nothing was sent",
        "line 101: id 'not-a-uuid' is not a UUID",
        "line 501: UpdateCustomerRequest: address: 'a city' is not valid under any of the "
        "given schemas",
        "line 901: 2 cells, but the header has 3 columns",
    ]
    assert mock.stats.requests == 0


def test_an_unknown_column_is_reported_with_the_closest_field(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "rows.csv", ["ID", "vatNumbr", "amount"], [[CREDIT, "DK1", "12"]])
    assert main(update("--csv", source, resource="customer-credits")) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "line 1: column 'ID' is not a field of UpdateCustomerCreditRequest; did you mean 'id'?",
        "line 1: column 'vatNumbr' is not a field of UpdateCustomerCreditRequest",
        "line 1: no 'id' column: it holds each row's resource id",
    ]
    assert mock.stats.requests == 0


def test_two_columns_for_one_field_and_nul_characters_are_refused(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(
        tmp_path / "rows.csv",
        ["id", "vatNumber", "name", "vat_number", "name"],
        [[CUSTOMER, "DK1", "A", "DK2", "B"], [CUSTOMER, "DK1", "A", "DK\x002", "B"]],
    )
    assert main(update("--csv", source)) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "line 1: columns 'vatNumber' and 'vat_number' are both the field 'vatNumber'",
        "line 1: columns 'name' and 'name' are both the field 'name'",
        "line 3: column 'vat_number' holds a NUL character (a broken export?)",
    ]
    lines = tmp_path / "rows.jsonl"
    lines.write_text(
        f'{{"id": "{CUSTOMER}", "name": "A\\u0000ps"}}\n'
        f'{{"id": "{CUSTOMER}", "name": "A", "name": "B"}}\n'
        f'{{"id": "{CUSTOMER}", "vatNumber": "DK1", "vat_number": "DK2"}}\n'
        f'{{"id": "{CUSTOMER}", "name": "A", "_key": " k\\n"}}\n',
        encoding="utf-8",
    )
    assert main(update("--jsonl", lines)) == 2
    assert capsys.readouterr().err.splitlines()[1:] == [
        "line 1: a value holds a NUL character (a broken export?)",
        "line 2: the key 'name' appears twice",
        "line 3: columns 'vatNumber' and 'vat_number' are both the field 'vatNumber'",
        "line 4: _key must be an idempotency key (printable ASCII, at most 255 characters), "
        "got ' k\\n'",
    ]
    assert mock.stats.requests == 0


def test_dry_run_prints_each_exact_body_and_sends_nothing(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(
        tmp_path / "rows.csv",
        ["id", "vat_number", "email", "address", "recipientEmails", "_note"],
        [
            [CUSTOMER, "DK1", "NULL", '{"city": "Aarhus"}', "", "a note"],
            [CUSTOMER, "", "", "", '["ap@acme.example"]', ""],
            [CUSTOMER, "NULL", "a@b.example", "NULL", "NULL", ""],
        ],
    )
    assert main(update("--csv", source, "--dry-run", "--null-token", "NULL")) == 0
    out, err = capsys.readouterr()
    path = f"PATCH /v1/customers/{CUSTOMER}"
    assert out.splitlines() == [
        f'{path} {{"email":null,"address":{{"city":"Aarhus"}},"vatNumber":"DK1"}}',
        f'{path} {{"recipientEmails":["ap@acme.example"]}}',
        f'{path} {{"email":"a@b.example","address":null,"vatNumber":null,"recipientEmails":null}}',
    ]
    assert err == "light-client: dry run: 3 rows checked, nothing sent\n"
    assert mock.stats.requests == 0


def test_jsonl_rows_and_failed_rows_written_to_fix_and_run_again(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text(
        f'{{"id": "{CREDIT}", "amount": 100, "description": null}}\n'
        "\n"
        f'{{"id": "{MISSING}", "amount": 200, "_error": "an old note"}}\n'
        f'{{"id": "{CREDIT}", "amount": 300}}\n',
        encoding="utf-8",
    )
    failed = tmp_path / "failed.jsonl"
    command = update("--jsonl", source, "--failed-out", failed, resource="customer-credits")
    assert main(command) == 1

    out = capsys.readouterr().out
    assert out.splitlines()[:6] == [
        "outcome                                   rows",
        "applied                                      2",
        "failed                                       1",
        "skipped (applied by an earlier run)          0",
        "not done                                     0",
        "rows                                         3",
    ]
    assert f"failed rows, with their error: {failed}" in out
    # Refused, so not applied: no key kept (fixed, the row is sent as a new one).
    assert failed.read_text(encoding="utf-8") == (
        f'{{"id": "{MISSING}", "amount": 200, "_error": "404 NOT_FOUND: CustomerCredit '
        f'{MISSING} not found"}}\n'
    )
    assert len(mock.stats.applied) == 2
    stored = mock.store.get("CustomerCredit", CREDIT)
    assert stored is not None and stored["description"] is None and stored["amount"] in (100, 300)
    assert main(update("--jsonl", failed, "--dry-run", resource="customer-credits")) == 0


def test_failed_csv_rows_keep_their_cells_and_get_their_error(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(
        tmp_path / "rows.csv",
        ["id", "name", "_error"],
        [[CUSTOMER, "Fine", ""], [MISSING, "Nobody, Inc.", "old"]],
    )
    failed = tmp_path / "failed.csv"
    assert main(update("--csv", source, "--failed-out", failed)) == 1
    assert failed.read_text(encoding="utf-8").splitlines() == [
        "id,name,_error,_key",
        f'{MISSING},"Nobody, Inc.",404 NOT_FOUND: Customer {MISSING} not found,',
    ]
    # Fixed (the right id), the row is sent as a new update and applied.
    rows = failed.read_text(encoding="utf-8").replace(MISSING, CUSTOMER)
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(rows, encoding="utf-8")
    assert main(update("--csv", fixed)) == 0


def test_a_journal_is_resumed_only_on_purpose(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[CUSTOMER, "A"], [CUSTOMER, "B"]])
    journal = tmp_path / "job.sqlite3"
    assert main(update("--csv", source, "--resume", "--journal", journal)) == 2
    assert f"--resume: no journal at {journal}" in capsys.readouterr().err
    assert main(update("--csv", source, "--journal", journal)) == 0
    assert main(update("--csv", source, "--journal", journal)) == 2
    assert "is the journal of an earlier job (2 applied): add --resume" in capsys.readouterr().err
    assert main(update("--csv", source, "--journal", journal, "--resume")) == 0
    assert "skipped (applied by an earlier run)          2" in capsys.readouterr().out
    assert len(mock.stats.applied) == 2 and set(mock.stats.applied.values()) == {1}


def test_rows_whose_answers_were_lost_run_again_from_failed_out_are_applied_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 80% of answers are dropped after the mock applied the update: rows end "may be applied".
    faults = Faults(dropped=0.8, seed=7)
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0), faults=faults) as mock:
        monkeypatch.setenv("LIGHT_API_KEY", mock.api_key)
        monkeypatch.setenv("LIGHT_BASE_URL", mock.base_url)
        rows = [[CUSTOMER, f"Name {n}"] for n in range(40)]
        source = write_csv(tmp_path / "rows.csv", ["id", "name"], rows)
        failed = tmp_path / "failed.csv"
        assert main(update("--csv", source, "--failed-out", failed)) == 1
        out = capsys.readouterr().out
        unknown = int(
            next(line for line in out.splitlines() if "may be applied" in line).split()[-1]
        )
        with failed.open(encoding="utf-8") as stream:
            failed_rows = list(csv.DictReader(stream))
        assert unknown == len(failed_rows) > 0
        assert all("may have been applied" in row["_error"] for row in failed_rows)
        assert all(row["_key"] for row in failed_rows)
        mock.faults.dropped = 0.0
        assert main(update("--csv", failed)) == 0  # the documented recovery
        # Each row's key was applied once: the rows run again were replayed, not applied again.
        assert len(mock.stats.applied) == 40 and set(mock.stats.applied.values()) == {1}


@pytest.mark.parametrize("edit", ["a row inserted at the top", "the rows re-sorted"])
def test_a_resume_with_an_edited_file_is_refused_and_applies_nothing_twice(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    rows = [[CUSTOMER, f"Name {n}"] for n in range(30)]
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], rows)
    journal = tmp_path / "job.sqlite3"
    assert main(update("--csv", source, "--journal", journal)) == 0
    applied = len(mock.stats.applied)
    edited = [[CUSTOMER, "New"], *rows] if edit.startswith("a row") else sorted(rows, reverse=True)
    write_csv(source, ["id", "name"], edited)
    capsys.readouterr()
    assert main(update("--csv", source, "--journal", journal, "--resume")) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"light-client: {source} is not the file {journal} was started with: it changed since "
        "(a row added, removed or moved would be applied again under another key). Resume "
        "with the file as it was, or start a new job with another --journal"
    ]
    assert len(mock.stats.applied) == applied == 30


def test_missing_credentials_exit_2_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LIGHT_API_KEY", raising=False)
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[CUSTOMER, "A"]])
    assert main(update("--csv", source, "--base-url", "http://127.0.0.1:9")) == 2
    assert "LIGHT_API_KEY" in capsys.readouterr().err


class Discard(io.StringIO):
    """A stdout that keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)


def test_dry_run_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Streamed: ten times the rows, about the same peak (a list of rows would be ~10x)."""

    def peak(rows: int) -> int:
        source = write_csv(
            tmp_path / f"rows{rows}.csv",
            ["id", "name", "vatNumber"],
            [[CUSTOMER, f"Customer number {n}", f"DK{n:08}"] for n in range(rows)],
        )
        tracemalloc.start()
        try:
            with redirect_stdout(Discard()):
                assert main(update("--csv", source, "--dry-run")) == 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(200), peak(2_000)
    assert large < small + 256 * 1024, (small, large)


def summary(out: str) -> dict[str, int]:
    """The counts of the summary table: ``{"applied": 997, ...}``."""
    return {
        label.strip(): int(count)
        for label, _, count in (line.rpartition("  ") for line in out.splitlines()[1:6])
    }


def journal_states(path: Path) -> dict[str, int]:
    # sqlite3's own `with` commits but does not close: closing() does.
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT state, COUNT(*) FROM light_bulk_items GROUP BY state")
        return {str(state): int(count) for state, count in rows}


@pytest.mark.parametrize(
    ("kill", "seed"), [(signal.SIGINT, 1), (signal.SIGKILL, 2), (signal.SIGKILL, 3)]
)
def test_killed_and_resumed_every_row_applied_exactly_once(
    kill: signal.Signals, seed: int, tmp_path: Path
) -> None:
    """The command as a subprocess, killed at a seeded random row, then resumed to the end."""
    rows = 240
    source = write_csv(
        tmp_path / "rows.csv", ["id", "description"], [[CUSTOMER, f"Row {n}"] for n in range(rows)]
    )
    journal = tmp_path / "job.sqlite3"
    kill_after = random.Random(seed).randint(20, rows - 40)
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0)) as mock:
        env = {**os.environ, "LIGHT_API_KEY": mock.api_key, "LIGHT_BASE_URL": mock.base_url}
        command = [
            sys.executable,
            "-m",
            "light_client",
            *update("--csv", source, "--journal", journal, "--concurrency", "6"),
        ]
        command[command.index("60000")] = "6000"  # 100 rows a second: ~2.5 s for the whole file
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(mock.stats.applied) < kill_after and first.poll() is None:
            assert time.monotonic() < deadline, "the first run made no progress"
            time.sleep(0.005)
        first.send_signal(kill)
        out, err = first.communicate(timeout=60)
        applied_by_first = len(mock.stats.applied)
        assert kill_after <= applied_by_first < rows

        if kill == signal.SIGINT:
            assert first.returncode == 130, err
            assert b"stopping: no new rows" in err and b"resume with:" in err
            assert b"--resume" in err.split(b"resume with:")[1]
            assert "sending" not in journal_states(journal)  # in flight: finished and journaled
            table = summary(out.decode())
            assert table["applied"] == applied_by_first and table["not done"] > 0
        else:
            assert first.returncode == -signal.SIGKILL

        second = subprocess.run([*command, "--resume"], env=env, capture_output=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert len(mock.stats.applied) == rows  # none missing
        assert set(mock.stats.applied.values()) == {1}  # none twice
        assert journal_states(journal) == {"applied": rows}
        table = summary(second.stdout.decode())
        assert table["skipped (applied by an earlier run)"] + table["applied"] == rows
        assert table["applied"] <= rows - applied_by_first + 6  # at most the 6 in flight again
        assert (table["failed"], table["not done"], table["rows"]) == (0, 0, rows)


def test_a_journal_that_does_not_know_its_file_is_not_resumed(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[CUSTOMER, "A"], [CUSTOMER, "B"]])
    journal = tmp_path / "job.sqlite3"
    assert main(update("--csv", source, "--journal", journal)) == 0
    with contextlib.closing(sqlite3.connect(journal)) as db:  # as an earlier version left it
        db.execute("DROP TABLE light_bulk_input")
        db.commit()
    capsys.readouterr()
    assert main(update("--csv", source, "--journal", journal, "--resume")) == 2
    assert capsys.readouterr().err == (
        f"light-client: {journal} does not record the file it was started with (an earlier "
        "version made it), so a changed file could not be told apart: start a new job with "
        "another --journal\n"
    )
    assert len(mock.stats.applied) == 2


# -- input that cannot be read, outputs that cannot be written (issue 26, item 16) ---------------


def test_a_latin_1_csv_is_refused_with_its_line_and_read_with_encoding(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 500 rows of ASCII, then one Latin-1 row (past the first blocks decoded), then more ASCII.
    rows = [f"{CUSTOMER},,Row {n}" for n in range(500)]
    rows += [f"{CUSTOMER},Müller & Søn,", *(f"{CUSTOMER},,Row {n}" for n in range(500, 510))]
    data = "\n".join(["id,name,description", *rows, ""]).encode("latin-1")
    source = tmp_path / "rows.csv"
    source.write_bytes(data)
    offset = data.index(b"\xfc")

    assert main(update("--csv", source)) == 2
    assert capsys.readouterr() == (
        "",
        f"light-client: {source}: line 502 does not decode as utf-8 (byte 0xfc at offset "
        f"{offset}): give the file's encoding, e.g. --encoding cp1252 (Windows) or --encoding "
        "latin-1; nothing was sent\n",
    )
    assert main(update("--csv", source, "--dry-run")) == 2
    assert "line 502 does not decode as utf-8" in capsys.readouterr().err
    assert mock.stats.requests == 0  # not the 500 rows before it either

    assert main(update("--csv", source, "--encoding", "latin-1")) == 0
    assert len(mock.stats.applied) == 511
    stored = mock.store.get("Customer", CUSTOMER)
    assert stored is not None and stored["name"] == "Müller & Søn"

    # JSON Lines too; the digest a journal keeps is the file's bytes, whatever the encoding.
    lines = tmp_path / "rows.jsonl"
    data = f'{{"id": "{CUSTOMER}", "name": "Smørrebrød €"}}\n'.encode("cp1252")
    lines.write_bytes(data)
    offset = data.index("ø".encode("cp1252"))
    assert main(update("--jsonl", lines, "--dry-run")) == 2
    assert capsys.readouterr().err == (
        f"light-client: {lines}: line 1 does not decode as utf-8 (byte 0xf8 at offset "
        f"{offset}): give the file's encoding, e.g. --encoding cp1252 (Windows) or "
        "--encoding latin-1; nothing was sent\n"
    )
    assert main(update("--jsonl", lines, "--dry-run", "--encoding", "cp1252")) == 0
    assert capsys.readouterr().out == (
        f'PATCH /v1/customers/{CUSTOMER} {{"name":"Smørrebrød €"}}\n'
    )


def test_an_unknown_encoding_is_one_line(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[CUSTOMER, "A"]])
    for name in ("klingon", "base64"):  # base64 is a codec, but not of text
        assert main(update("--csv", source, "--encoding", name)) == 2
        assert capsys.readouterr() == (
            "",
            f"light-client: --encoding {name!r}: not a text encoding (e.g. utf-8, cp1252, "
            "latin-1, utf-16)\n",
        )
    assert mock.stats.requests == 0


def test_a_cell_longer_than_the_csv_limit_is_one_line_not_a_traceback(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(
        tmp_path / "rows.csv",
        ["id", "name"],
        [[CUSTOMER, "A"], [CUSTOMER, "x" * 200_000], [CUSTOMER, "B"]],
    )
    expected = (
        f"light-client: {source}: line 3: a cell holds more than 131072 characters (Light's "
        "fields are far shorter: a broken export, or a quote left open?); nothing was sent\n"
    )
    assert main(update("--csv", source)) == 2
    assert capsys.readouterr() == ("", expected)
    assert main(update("--csv", source, "--dry-run")) == 2  # the rows before it are printed
    assert capsys.readouterr() == (f'PATCH /v1/customers/{CUSTOMER} {{"name":"A"}}\n', expected)
    assert mock.stats.requests == 0


def test_a_journal_that_cannot_be_used_is_one_line_before_anything_is_sent(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[CUSTOMER, "A"]])
    nowhere = tmp_path / "no such directory" / "job.sqlite3"
    assert main(update("--csv", source, "--journal", nowhere)) == 2
    assert capsys.readouterr() == (
        "",
        f"light-client: cannot use the journal {nowhere} (No such file or directory); nothing "
        "was sent\n",
    )
    corrupt = tmp_path / "job.sqlite3"
    corrupt.write_bytes(b"not a database, " * 512)
    for options in ((), ("--resume",)):
        assert main(update("--csv", source, "--journal", corrupt, *options)) == 2
        assert capsys.readouterr() == (
            "",
            f"light-client: cannot use the journal {corrupt} (file is not a database); nothing "
            "was sent\n",
        )
    assert mock.stats.requests == 0


def table(out: str) -> dict[str, int]:
    """Every count of the summary table, by label (indented ones too)."""
    lines = out.splitlines()
    end = next(n for n, line in enumerate(lines) if line.startswith("wall time"))
    return {
        label.strip(): int(count)
        for label, _, count in (line.rpartition("  ") for line in lines[1:end])
    }


# Runs the command with its files limited to SIZE bytes (the first argument): a write past it
# fails as a full disk does (EFBIG: SIGXFSZ is ignored), with no root and no special filesystem.
LIMITED_FILES = """\
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
size = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
runpy.run_module("light_client", run_name="__main__", alter_sys=True)
"""


def test_a_journal_that_fills_up_mid_run_stops_with_the_summary_and_the_resume_command(
    tmp_path: Path,
) -> None:
    rows = 200
    source = write_csv(
        tmp_path / "rows.csv", ["id", "description"], [[CUSTOMER, f"Row {n}"] for n in range(rows)]
    )
    journal = tmp_path / "job.sqlite3"
    arguments = update("--csv", source, "--journal", journal, "--concurrency", "4")
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0)) as mock:
        env = {**os.environ, "LIGHT_API_KEY": mock.api_key, "LIGHT_BASE_URL": mock.base_url}
        limited = [sys.executable, "-c", LIMITED_FILES, str(256 * 1024), *arguments]
        first = subprocess.run(limited, env=env, capture_output=True, text=True, timeout=120)

        assert first.returncode == 1, first.stderr
        assert "Traceback" not in first.stderr
        counts = table(first.stdout)
        applied, unrecorded = counts["applied"], counts.get("done, not in the journal", 0)
        assert 0 < applied < rows and applied == len(mock.stats.applied)
        assert (counts["failed"], counts["skipped (applied by an earlier run)"]) == (0, 0)
        assert (counts["not done"], counts["rows"]) == (rows - applied, rows)
        finished = "the rows in flight finished" + (
            f", {unrecorded} of them not recorded in it (--resume sends those again with their "
            "key: Light applies each once)"
            if unrecorded
            else ""
        )
        assert first.stderr.splitlines() == [
            f"light-client: stopped: the journal {journal} could not be written (disk I/O "
            f"error); {finished}",
            "light-client: resume with:",
            "  " + shlex.join(["light-client", *arguments, "--resume"]),
        ]
        # What the journal does not know was still sent and answered: it stays "sending".
        recorded = {"applied": applied - unrecorded, "sending": unrecorded}
        assert journal_states(journal) == {k: n for k, n in recorded.items() if n}

        # The resume command, with room on the disk: every row applied, none twice.
        command = [sys.executable, "-m", "light_client", *arguments, "--resume"]
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert len(mock.stats.applied) == rows and set(mock.stats.applied.values()) == {1}
        assert journal_states(journal) == {"applied": rows}
        assert table(second.stdout)["skipped (applied by an earlier run)"] == applied - unrecorded


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (not Linux)")
def test_failed_out_on_a_full_disk_is_one_line(
    mock: LightMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A CSV's header is written first: a full disk is found before anything is sent.
    source = write_csv(tmp_path / "rows.csv", ["id", "name"], [[MISSING, "A"]])
    assert main(update("--csv", source, "--failed-out", "/dev/full")) == 2
    assert capsys.readouterr() == (
        "",
        "light-client: cannot write --failed-out /dev/full (No space left on device); nothing "
        "was sent\n",
    )
    assert mock.stats.requests == 0
    # JSON Lines: found with the first failed row; the rows in flight finish, then the summary.
    lines = tmp_path / "rows.jsonl"
    lines.write_text(
        f'{{"id": "{MISSING}", "name": "A"}}\n{{"id": "{CUSTOMER}", "name": "B"}}\n',
        encoding="utf-8",
    )
    assert main(update("--jsonl", lines, "--failed-out", "/dev/full")) == 1
    out, err = capsys.readouterr()
    assert table(out) == {
        "applied": 1,
        "failed": 1,
        "skipped (applied by an earlier run)": 0,
        "not done": 0,
        "rows": 2,
    }
    assert err == (  # every row was done: nothing stopped, nothing to resume
        "light-client: --failed-out /dev/full could not be written (No space left on device): 1 "
        "failed row is not in it\n"
    )
