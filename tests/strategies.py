"""Hypothesis strategies derived from openapi.yaml (the bundled copy the SDK validates with).

``documents(name)`` draws JSON documents valid for ``components.schemas[name]``, walking the
schema: ``$ref``, ``oneOf``/``anyOf``, type lists with ``"null"``, enums, objects (any subset of
their properties), arrays, and the formats the API uses (uuid, date, date-time, int64).
With ``open_enums=True`` an enum-typed string may also be a value the SDK has never seen.
"""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import strategies as st

from light_client._runtime.schemas import document

MAX_ITEMS = 3
_date_times = st.datetimes(
    min_value=datetime.datetime(1970, 1, 1),
    max_value=datetime.datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [datetime.UTC, datetime.timezone(datetime.timedelta(hours=5, minutes=30))]
    ),
).map(lambda value: value.isoformat().replace("+00:00", "Z"))
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date": st.dates(min_value=datetime.date(1970, 1, 1)).map(datetime.date.isoformat),
    "date-time": _date_times,
}
INTEGER_RANGES = {"int64": 63, "int32": 31}
UNKNOWN_ENUM_VALUES = st.from_regex(r"\A[A-Z][A-Z_]{0,11}\Z").filter(lambda v: v != "UNDEFINED")


def schemas() -> dict[str, Any]:
    """``components.schemas`` of the bundled spec."""
    schemas: dict[str, Any] = document()["components"]["schemas"]
    return schemas


def from_schema(node: dict[str, Any], *, open_enums: bool) -> st.SearchStrategy[Any]:
    """Valid JSON values for one schema node."""
    if "$ref" in node:
        target = schemas()[node["$ref"].removeprefix("#/components/schemas/")]
        return from_schema(target, open_enums=open_enums)
    for combinator in ("oneOf", "anyOf"):
        if combinator in node:
            return st.one_of([from_schema(b, open_enums=open_enums) for b in node[combinator]])
    json_type = node.get("type", "object")
    if isinstance(json_type, list):
        return st.one_of(
            [from_schema({**node, "type": t}, open_enums=open_enums) for t in json_type]
        )
    if json_type == "null":
        return st.none()
    if "enum" in node:
        known = st.sampled_from(node["enum"])
        return known | UNKNOWN_ENUM_VALUES if open_enums else known
    if json_type == "string":
        return FORMATS.get(node.get("format", ""), st.text(max_size=8))
    if json_type == "integer":
        bits = INTEGER_RANGES.get(node.get("format", ""), 63)
        return st.integers(-(2**bits), 2**bits - 1)
    if json_type == "number":
        return st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    if json_type == "boolean":
        return st.booleans()
    if json_type == "array":
        return st.lists(from_schema(node["items"], open_enums=open_enums), max_size=MAX_ITEMS)
    properties = {
        name: from_schema(schema, open_enums=open_enums)
        for name, schema in node.get("properties", {}).items()
    }
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return st.dictionaries(
            st.text(max_size=5), from_schema(extra, open_enums=open_enums), max_size=2
        )
    required = set(node.get("required", ()))
    return st.fixed_dictionaries(
        {name: value for name, value in properties.items() if name in required},
        optional={name: value for name, value in properties.items() if name not in required},
    )


def documents(name: str, *, open_enums: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """JSON documents valid for schema ``name``."""
    return from_schema(schemas()[name], open_enums=open_enums)


def extra_properties() -> st.SearchStrategy[dict[str, Any]]:
    """Properties no schema has (as a future API might add), with any JSON values."""
    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    values = st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
        ),
        max_leaves=4,
    )
    return st.dictionaries(st.from_regex(r"\Ax[A-Z][a-z]{1,6}\Z"), values, max_size=3)
