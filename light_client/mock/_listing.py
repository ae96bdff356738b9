"""The mock's list operations: Light's cursor pagination, filter and sort, over the store.

- ``cursor``: ``0`` for the first page; then the ``nextCursor`` / ``prevCursor`` of an answer,
  opaque to the client (here: a position, encoded). Any other cursor is a 400.
- ``limit``: 1 to 200, 50 when left out (the spec's bounds are checked before this).
- ``filter``: ``field:operator:value``, comma-separated; ``eq``, ``ne``, ``in`` and ``not_in``
  (``in`` values separated by ``|``) on the fields listed in ``FILTERABLE``; anything else is a
  400 naming it.
- ``sort``: ``field:asc|desc``, comma-separated, on ``SORTABLE``; the id breaks ties, so every
  listing has one order.
- ``searchTerm``: a case-insensitive match anywhere in the name, e-mail, VAT number or id.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from ._http import Refusal

__all__ = ["DEFAULT_LIMIT", "FILTERABLE", "SORTABLE", "page"]

DEFAULT_LIMIT = 50
FILTERABLE = frozenset({"id", "name", "email", "status", "vatNumber", "customerId", "currency"})
SORTABLE = frozenset({"name", "email", "createdAt", "updatedAt", "documentDate"})
SEARCHED = ("name", "email", "vatNumber", "id")
_CURSOR_PREFIX = "at:"


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode()


def _position(cursor: str) -> int:
    if cursor == "0":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_CURSOR_PREFIX):
            return int(text.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise Refusal.bad_request("is not a cursor of this listing", ["cursor"])


def _text(value: Any) -> str:
    return "null" if value is None else str(value)


def _condition(clause: str) -> Callable[[Mapping[str, Any]], bool]:
    field, _, rest = clause.partition(":")
    operator, _, value = rest.partition(":")
    if field not in FILTERABLE:
        raise Refusal.bad_request(f"cannot filter on {field!r}", ["filter"])
    values = set(value.split("|"))
    tests: dict[str, Callable[[str], bool]] = {
        "eq": lambda text: text == value,
        "ne": lambda text: text != value,
        "in": lambda text: text in values,
        "not_in": lambda text: text not in values,
    }
    test = tests.get(operator)
    if test is None:
        raise Refusal.bad_request(f"unknown filter operator {operator!r}", ["filter"])
    return lambda record: test(_text(record.get(field)))


def _order(records: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda record: str(record["id"]))
    for clause in reversed([c for c in sort.split(",") if c]):
        field, _, direction = clause.partition(":")
        if field not in SORTABLE or direction not in ("asc", "desc"):
            raise Refusal.bad_request(f"cannot sort by {clause!r}", ["sort"])
        ordered.sort(key=lambda record: _text(record.get(field)), reverse=direction == "desc")
    return ordered


def page(records: list[dict[str, Any]], query: str) -> dict[str, Any]:
    """One page of ``records`` as the query asks for it, in Light's envelope."""
    asked = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}
    if "offset" in asked:
        raise Refusal.bad_request("offset is deprecated: use cursor", ["offset"])
    for clause in filter(None, asked.get("filter", "").split(",")):
        condition = _condition(clause)
        records = [record for record in records if condition(record)]
    term = asked.get("searchTerm", "").lower()
    if term:
        records = [r for r in records if any(term in _text(r.get(f)).lower() for f in SEARCHED)]
    records = _order(records, asked.get("sort", ""))
    limit = int(asked.get("limit", DEFAULT_LIMIT))
    start = min(_position(asked.get("cursor", "0")), len(records))
    end = start + limit
    return {
        "records": records[start:end],
        "hasMore": end < len(records),
        "nextCursor": _cursor(end) if end < len(records) else None,
        "prevCursor": _cursor(max(start - limit, 0)) if start > 0 else None,
    }
