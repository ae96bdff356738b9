"""The mock's list operations: Light's cursor pagination, filter and sort, over the store.

- ``cursor``: ``0`` for the first page; then the ``nextCursor`` / ``prevCursor`` of an answer,
  opaque to the client (here: a position, encoded). Any other cursor is a 400.
- ``limit``: 1 to 200, 50 when left out (the spec's bounds are checked before this).
- ``filter``: ``field:operator:value``, comma-separated; ``eq``, ``ne``, ``in``, ``not_in``
  (``in`` values separated by ``|``), ``gt``, ``gte``, ``lt`` and ``lte`` (numbers by value,
  anything else as text: ISO dates compare by date).
- ``sort``: ``field:asc|desc``, comma-separated; the id breaks ties, so every listing has one
  order.
- ``searchTerm``: a case-insensitive match anywhere in the name, e-mail, VAT number or id.

Which fields a listing filters and sorts on is openapi.yaml's to say (a ``pattern`` on each
parameter, checked before this); ``FIELDS`` maps the few of Light's names that are not a
property of the record, and a field the records do not have reads as null.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from ._http import Refusal

__all__ = ["DEFAULT_LIMIT", "FIELDS", "page"]

DEFAULT_LIMIT = 50
# Light's filter and sort names -> where the value is in the record, where they differ.
FIELDS: dict[str, tuple[str, ...]] = {
    "billingAddressCity": ("billingAddress", "city"),
    "billingAddressCountry": ("billingAddress", "country"),
    "businessPartnerId": ("customerId",),
    "businessPartnerName": ("customerName",),
}
SEARCHED = ("name", "email", "vatNumber", "id")
ORDERS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
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


def _value(record: Mapping[str, Any], field: str) -> Any:
    value: Any = record
    for part in FIELDS.get(field, (field,)):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(value: Any) -> str:
    """A value as a filter writes it: JSON's spelling for null and booleans."""
    return value if isinstance(value, str) else json.dumps(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(value: Any, operand: str, order: Callable[[Any, Any], bool]) -> bool:
    if value is None:
        return False
    if _is_number(value):
        try:
            return order(value, float(operand))
        except ValueError:
            return False
    return order(_text(value), operand)


def _condition(clause: str) -> Callable[[Mapping[str, Any]], bool]:
    field, _, rest = clause.partition(":")
    name, _, value = rest.partition(":")
    values = set(value.split("|"))
    tests: dict[str, Callable[[Any], bool]] = {
        "eq": lambda found: _text(found) == value,
        "ne": lambda found: _text(found) != value,
        "in": lambda found: _text(found) in values,
        "not_in": lambda found: _text(found) not in values,
    }
    order = ORDERS.get(name)
    if order is not None:
        tests[name] = lambda found: _ordered(found, value, order)
    test = tests.get(name)
    if test is None:
        raise Refusal.bad_request(f"unknown filter operator {name!r}", ["filter"])
    return lambda record: test(_value(record, field))


def _sort_key(value: Any) -> tuple[int, Any]:
    # Numbers by value, then text, then null: one order, whatever a field holds.
    if _is_number(value):
        return (0, value)
    return (2, "") if value is None else (1, _text(value))


def _order(records: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda record: str(record["id"]))
    for clause in reversed([c for c in sort.split(",") if c]):
        field, _, direction = clause.partition(":")
        if direction not in ("asc", "desc"):
            raise Refusal.bad_request(f"cannot sort by {clause!r}", ["sort"])
        ordered.sort(
            key=lambda record: _sort_key(_value(record, field)), reverse=direction == "desc"
        )
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
