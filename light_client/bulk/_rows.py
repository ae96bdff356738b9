"""Rows of a CSV or JSON Lines file as ``update_many`` items, read one at a time, checked first.

CSV: a header row; the ``id`` column holds the resource id; every other column is a field, named
as in the API's JSON (``vatNumber``) or in Python (``vat_number``). An empty cell leaves the
field as it is; the null token (``--null-token``) clears it. A cell of a field that cannot hold
text (a number, a boolean, an object such as ``address``, a list) is read as JSON:
``12500``, ``true``, ``{"city": "Aarhus"}``, ``["a@acme.example"]``.

JSON Lines: one object per line, with ``id`` and the fields as Light's JSON has them (``null``
clears, a key left out leaves the field as it is).

In both, columns and keys that start with ``_`` are notes, never sent: ``--failed-out`` writes
each failed row again with its error in ``_error`` and the idempotency key it was sent with in
``_key``, so the file can be fixed and run as it is; a row with a ``_key`` is sent with that
key, so a row whose answer was lost (it may have been applied) is not applied twice.

The file is read in its ``encoding`` (UTF-8 by default, a byte order mark skipped). A file that
does not decode, a CSV record the ``csv`` module refuses (a cell longer than its limit: a quote
left open, a broken export) or a file that cannot be read is an ``InputError``: one message, with
the line; the rows after it cannot be read, so the file is refused whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, TextIO, TypeAlias
from uuid import UUID

import attrs

from .._runtime import fields as _fields
from .._runtime.patch import fields_from_mapping
from .._runtime.schemas import component

__all__ = [
    "ERROR_COLUMN",
    "KEY_COLUMN",
    "Format",
    "InputError",
    "Row",
    "RowError",
    "Validation",
    "read_rows",
    "text_encoding",
    "validate",
]

Format: TypeAlias = Literal["csv", "jsonl"]
ID_COLUMN = "id"
ERROR_COLUMN = "_error"
# The idempotency key a row was sent with (written by --failed-out): sent with it again.
KEY_COLUMN = "_key"
# Errors kept for the report; the rest are counted (a file of 10 million bad rows stays small).
MAX_REPORTED_ERRORS = 100


class InputError(Exception):
    """The file cannot be read as rows (it does not decode, a CSV record is broken, a read
    failed): the message names the file and the line."""


class _BrokenRecord(Exception):
    """A CSV record the csv module refuses, on ``lines`` of the file."""

    def __init__(self, lines: str, error: csv.Error) -> None:
        super().__init__(lines, error)
        self.lines, self.error = lines, error

    def __str__(self) -> str:
        limit = csv.field_size_limit()
        if str(self.error).startswith("field larger than field limit"):
            return (
                f"{self.lines}: a cell holds more than {limit} characters (Light's fields are "
                "far shorter: a broken export, or a quote left open?)"
            )
        return f"{self.lines}: not CSV ({self.error})"


def text_encoding(name: str) -> str:
    """The codec to read a file in ``name`` with: a UTF-8 file may start with a byte order mark
    (as Excel writes it). ``LookupError``: no such text encoding."""
    io.TextIOWrapper(io.BytesIO(), encoding=name)  # LookupError: unknown, or not text (base64)
    return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name


def _undecodable(path: Path, name: str, codec: str) -> str:
    """Where the file first fails to decode, for a person: its line, the byte and its offset."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = newlines = 0
    with path.open("rb") as stream:
        while True:
            block = stream.read(1 << 16)
            state = decoder.getstate()[0]
            pending = state if isinstance(state, bytes) else b""  # the last block's tail
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                data = pending + block  # what the codec was given, less a BOM it skipped
                skipped = len(data) - len(exc.object) if data.endswith(exc.object) else 0
                before = skipped + exc.start
                at, byte = offset - len(pending) + before, exc.object[exc.start]
                line = 1 + newlines - pending.count(b"\n") + data[:before].count(b"\n")
                break
            if not block:  # it decodes now: the file changed since it failed
                return f"{path}: does not decode as {name}"
            offset, newlines = offset + len(block), newlines + block.count(b"\n")
    try:
        counted = b"\n".decode(codec) == "\n"  # a line ends with the byte \n: lines counted
    except UnicodeDecodeError:
        counted = False  # UTF-16 and the like
    where = f"line {line} does not decode" if counted else "does not decode"
    return (
        f"{path}: {where} as {name} (byte {byte:#04x} at offset {at}): give the file's "
        "encoding, e.g. --encoding cp1252 (Windows) or --encoding latin-1"
    )


@attrs.frozen
class Row:
    """A row ready to send: its line in the file, id, fields (JSON or Python names) and cells."""

    line: int
    id: Any  # a string if all is well; None: the CSV has no id column (reported once)
    fields: dict[str, Any]
    cells: dict[str, Any]


@attrs.frozen
class RowError:
    """Why a row (``line``; 1 is a CSV's header) cannot be sent."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _holds_text(schema: Mapping[str, Any]) -> bool:
    """Whether a property schema admits a string (enums included): its cells are taken as text."""
    if "$ref" in schema:
        return _holds_text(component(schema["$ref"].rsplit("/", 1)[1]))
    types = schema.get("type", [])
    if "string" in ([types] if isinstance(types, str) else types):
        return True
    return any(_holds_text(branch) for branch in schema.get("oneOf", ()))


@cache
def _text_properties(schema_name: str) -> frozenset[str]:
    """The JSON names of a request schema's fields whose cells are text."""
    properties = component(schema_name)["properties"]
    return frozenset(name for name, schema in properties.items() if _holds_text(schema))


def _cell(body_type: type[Any], column: str, text: str, null_token: str | None) -> Any:
    if text == null_token:
        return None
    json_name = _fields.json_names(body_type).get(column, column)
    if json_name in _text_properties(body_type.__name__):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text  # the spec check names the field and the type it wants


def _unknown_columns(body_type: type[Any], columns: list[str]) -> list[str]:
    names = _fields.json_names(body_type)
    known = {ID_COLUMN, *names, *names.values()}
    return [column for column in columns if column not in known and not column.startswith("_")]


def _csv_rows(
    stream: TextIO, body_type: type[Any], null_token: str | None
) -> Iterator[Row | RowError]:
    reader = csv.DictReader(stream)
    try:
        columns = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise _BrokenRecord(_lines(1, reader.line_num), exc) from None
    unknown = _unknown_columns(body_type, columns)
    names = _fields.json_names(body_type)
    for column in unknown:  # reported once, on the header's line; the other columns are read
        candidates = [ID_COLUMN, *names.values(), *names]
        error = _fields.unknown_field_error(body_type, column, candidates)
        hint = str(error).partition(";")[2]
        message = f"column {column!r} is not a field of {body_type.__name__}"
        yield RowError(1, message + (f";{hint}" if hint else ""))
    if ID_COLUMN not in columns:
        yield RowError(1, f"no {ID_COLUMN!r} column: it holds each row's resource id")
    yield from _duplicate_columns(body_type, columns)
    field_columns = [
        column
        for column in columns
        if column != ID_COLUMN and not column.startswith("_") and column not in unknown
    ]
    while True:
        first = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _BrokenRecord(_lines(first, reader.line_num), exc) from None
        line = reader.line_num
        if None in cells or None in cells.values():
            count = len(columns) + len(cells.get(None) or ()) - list(cells.values()).count(None)
            yield RowError(line, f"{count} cells, but the header has {len(columns)} columns")
            continue
        nul = next((column for column, text in cells.items() if "\x00" in text), None)
        if nul is not None:
            yield RowError(line, f"column {nul!r} holds a NUL character (a broken export?)")
            continue
        row_fields = {
            column: _cell(body_type, column, cells[column], null_token)
            for column in field_columns
            if cells[column] != ""
        }
        yield Row(line, cells.get(ID_COLUMN), row_fields, dict(cells))


def _lines(first: int, last: int) -> str:
    return f"line {first}" if last <= first else f"lines {first}-{last}"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _duplicate_columns(
    body_type: type[Any], columns: list[str], line: int = 1
) -> Iterator[RowError]:
    """Two columns (or keys) for one field (``name,name``; ``vatNumber,vat_number``): which one
    was meant cannot be known, so the row is refused rather than the last one kept."""
    names = _fields.json_names(body_type)
    seen: dict[str, str] = {}
    for column in columns:
        field = names.get(column, column)
        if field in seen:
            yield RowError(
                line, f"columns {seen[field]!r} and {column!r} are both the field {field!r}"
            )
        else:
            seen[field] = column


class _RepeatedKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key that appears twice (json.loads keeps the last)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _RepeatedKey(key)
        document[key] = value
    return document


def _jsonl_rows(stream: TextIO, body_type: type[Any]) -> Iterator[Row | RowError]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            document = json.loads(text, object_pairs_hook=_object)
        except _RepeatedKey as exc:
            yield RowError(line, f"the key {exc.args[0]!r} appears twice")
            continue
        except ValueError as exc:
            yield RowError(line, f"not JSON: {exc}")
            continue
        if not isinstance(document, dict):
            yield RowError(line, f"not a JSON object: {text.strip()[:60]}")
            continue
        if _has_nul(document):
            yield RowError(line, "a value holds a NUL character (a broken export?)")
            continue
        duplicate = next(iter(_duplicate_columns(body_type, list(document), line)), None)
        if duplicate is not None:
            yield duplicate
            continue
        row_fields = {
            key: value
            for key, value in document.items()
            if key != ID_COLUMN and not key.startswith("_")
        }
        yield Row(line, document.get(ID_COLUMN, ""), row_fields, document)


def read_rows(
    path: Path,
    format: Format,
    body_type: type[Any],
    null_token: str | None = None,
    encoding: str = "utf-8",
) -> Iterator[Row | RowError]:
    """Each row of the file, in order, or the reason it cannot be sent; one row in memory.
    ``InputError``: the rest of the file cannot be read (see the module's docstring)."""
    codec = text_encoding(encoding)
    try:
        with path.open(encoding=codec, newline="") as stream:
            if format == "csv":
                yield from _csv_rows(stream, body_type, null_token)
            else:
                yield from _jsonl_rows(stream, body_type)
    except UnicodeDecodeError:
        raise InputError(_undecodable(path, encoding, codec)) from None
    except _BrokenRecord as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def check_row(body_type: type[Any], row: Row) -> RowError | None:
    """What is wrong with a row that ``update_many`` would reject, if anything."""
    key = row.cells.get(KEY_COLUMN)
    if key not in (None, "") and not (
        isinstance(key, str)
        and key.isascii()
        and key.isprintable()
        and 0 < len(key.strip()) <= 255
        and key == key.strip()
    ):
        return RowError(
            row.line,
            f"{KEY_COLUMN} must be an idempotency key (printable ASCII, at most 255 characters), got {key!r}"[
                :200
            ],
        )
    try:
        if row.id is not None:
            if not isinstance(row.id, str) or not row.id:
                return RowError(row.line, f"no {ID_COLUMN}")
            UUID(row.id)
    except ValueError:
        return RowError(row.line, f"{ID_COLUMN} {row.id!r} is not a UUID")
    try:
        fields_from_mapping(body_type, row.fields)
    except (TypeError, ValueError) as exc:
        return RowError(row.line, str(exc))
    return None


@attrs.define
class Validation:
    """A pass over the whole file: the rows it holds, the first errors, how many in all."""

    rows: int = 0
    errors: list[RowError] = attrs.field(factory=list)
    error_count: int = 0

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def report(self) -> str:
        lines = [str(error) for error in self.errors]
        if self.error_count > len(self.errors):
            lines.append(f"... and {self.error_count - len(self.errors)} more")
        return "\n".join(lines)


def validate(
    path: Path,
    format: Format,
    body_type: type[Any],
    null_token: str | None = None,
    encoding: str = "utf-8",
) -> Validation:
    """Check every row before anything is sent (streamed: one row in memory at a time).
    ``InputError``: the file cannot be read as rows."""
    validation = Validation()
    for row in read_rows(path, format, body_type, null_token, encoding):
        problem = row if isinstance(row, RowError) else check_row(body_type, row)
        if isinstance(row, Row):
            validation.rows += 1
        if problem is not None:
            validation.add(problem)
    return validation
