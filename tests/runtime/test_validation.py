"""The validator of ``_validation`` (jsonschema-rs): its fast check never lets through what its full
check refuses, and both agree with the Python ``jsonschema`` package, kept here as the reference
(it is no dependency of the SDK's any more; the dev environment has it through the ``[mock]``
extra)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from light_client._runtime import validation as _validation
from light_client._runtime.validation import (
    FORMATS,
    MAX_RECURSIVE_DEPTH,
    _described,
    _fast_validator,
    _is_recursive,
    _root,
    _surely_valid,
    check_request,
    schema_problem,
)
from light_client.models import UpdateCustomerCreditRequest, UpdateCustomerRequest
from tests.strategies import documents, schemas

SCHEMAS = sorted(name for name, node in schemas().items() if "enum" not in node)
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62).map(float)
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    | st.text(max_size=6)
    | st.sampled_from(
        ["5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01", "2024-02-30", "2024-02-03T10:00:00Z", "x"]
    )
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


@st.composite
def damaged(draw: st.DrawFn, name: str) -> Any:
    """A valid document of ``name`` with one property (at the top) replaced by any JSON."""
    document: dict[str, Any] = draw(documents(name, open_enums=True))
    properties = list(schemas()[name].get("properties", {})) or ["x"]
    document[draw(st.sampled_from(properties))] = draw(JSON)
    return document


def reference_errors(name: str, document: Any) -> list[Any]:
    """What the Python ``jsonschema`` package finds wrong with ``document`` (the old rules):
    every error, those within a ``oneOf``'s branches too."""
    checker = FormatChecker(formats=())
    for format_name, check in FORMATS.items():
        checker.checks(format_name, raises=ValueError)(check)
    validator = Draft202012Validator(_root(name), format_checker=checker)
    found, pending = [], list(validator.iter_errors(document))
    while pending:
        error = pending.pop()
        found.append(error)
        pending += error.context or []
    return found


def test_every_object_schema_has_a_fast_validator() -> None:
    assert SCHEMAS  # Customer, Address, ... (not the enums' schemas, which are strings)
    assert all(_fast_validator(name) is not None for name in SCHEMAS)


@pytest.mark.parametrize("name", SCHEMAS)
@given(data=st.data())
def test_valid_documents_take_the_fast_path(data: st.DataObject, name: str) -> None:
    document = data.draw(documents(name, open_enums=True))
    assert _surely_valid(name, document)
    assert schema_problem(name, document) is None


@pytest.mark.parametrize("name", SCHEMAS)
@given(data=st.data())
def test_the_fast_check_passes_nothing_the_full_check_refuses(
    data: st.DataObject, name: str
) -> None:
    document = data.draw(damaged(name))
    if _surely_valid(name, document):
        assert _described(name, document) is None
    assert (schema_problem(name, document) is None) == (_described(name, document) is None)


@pytest.mark.parametrize("name", SCHEMAS)
@given(data=st.data())
def test_the_verdict_and_the_problem_are_jsonschemas(data: st.DataObject, name: str) -> None:
    # The same verdict, and a problem jsonschema finds too (where several are as telling, as two
    # items of a list, jsonschema names the last and this the first).
    document = data.draw(damaged(name))
    problem, reference = schema_problem(name, document), reference_errors(name, document)
    assert (problem is None) == (not reference)
    if problem is not None:
        messages = {(tuple(e.absolute_path), e.message) for e in reference}
        paths = {path for path, _ in messages}
        assert (problem.path, problem.message) in messages or (
            problem.path in paths and "more characters)" in problem.message
        )


@pytest.mark.parametrize(
    ("request_type", "document", "message"),
    [
        # jsonschema-rs would read a tuple as an array and a Decimal as a number.
        (
            UpdateCustomerRequest,
            {"recipientEmails": ("a@example.com",)},
            "recipientEmails: ('a@example.com',) is not a JSON value (a tuple)",
        ),
        (
            UpdateCustomerCreditRequest,
            {"amount": Decimal(5)},
            "amount: Decimal('5') is not a JSON value (a Decimal)",
        ),
        (UpdateCustomerRequest, {"name": float("nan")}, "name: nan is not a JSON number"),
    ],
)
def test_values_json_has_no_type_for_are_refused_naming_where(
    request_type: type[Any], document: dict[str, Any], message: str
) -> None:
    assert not _surely_valid(request_type.__name__, document)
    with pytest.raises(ValueError) as caught:
        check_request(request_type.__name__, document)
    assert str(caught.value) == f"{request_type.__name__}: {message}"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (2.0, "2.0 is not a 'int64'"),
        (2**63, "9223372036854775808 is not a 'int64'"),
        (-(2**63) - 1, "-9223372036854775809 is not a 'int64'"),
        (True, "True is not of type 'integer', 'null'"),
    ],
)
def test_int64_refuses_floats_and_out_of_range_on_both_paths(amount: Any, message: str) -> None:
    assert not _surely_valid("UpdateCustomerCreditRequest", {"amount": amount})
    with pytest.raises(ValueError) as caught:
        check_request("UpdateCustomerCreditRequest", {"amount": amount})
    assert str(caught.value) == f"UpdateCustomerCreditRequest: amount: {message}"


@pytest.mark.parametrize("amount", [2**63 - 1, -(2**63), 0])
def test_int64_bounds_are_whole_numbers(amount: int) -> None:
    assert _surely_valid("UpdateCustomerCreditRequest", {"amount": amount})


@pytest.mark.parametrize(
    "value",
    [
        "5F0C6A8E1B7D4C1E9A437F2D9A3B6C01",  # what uuid.UUID accepts, not only RFC's form
        "{5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01}",
        "urn:uuid:5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01",
    ],
)
def test_uuids_are_what_uuid_accepts(value: str) -> None:
    document = {"id": value}
    assert not _surely_valid("Customer", document)  # jsonschema-rs knows only RFC 4122's form
    assert schema_problem("Customer", document) is None


@given(value=st.text() | st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()))
def test_the_fast_uuid_check_passes_nothing_uuid_refuses(value: str) -> None:
    if _surely_valid("Customer", {"id": value}):
        assert UUID(value)


@pytest.mark.parametrize(
    ("value", "fast"),
    [("2024-02-03T10:00:00", True), ("2024-02-03 10:00", True), ("2024-02-30T10:00:00", False)],
)
def test_date_times_are_what_fromisoformat_accepts(value: str, fast: bool) -> None:
    document = {"id": "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01", "createdAt": value}
    assert _surely_valid("Customer", document) is fast
    assert (schema_problem("Customer", document) is None) is fast


def test_a_recursive_schema_is_checked_only_on_a_shallow_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # jsonschema-rs follows a $ref cycle down a deep instance until the C stack overflows.
    node = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
    leaf = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Leaf"}}}
    spec = {"components": {"schemas": {"Node": node, "Top": node, "Leaf": {}, "Chain": leaf}}}
    monkeypatch.setattr(_validation, "document", lambda: spec)
    assert _is_recursive("Node") and _is_recursive("Top")
    assert not _is_recursive("Chain") and not _is_recursive("Leaf")
    shallow: dict[str, Any] = {}
    for _ in range(MAX_RECURSIVE_DEPTH - 1):
        shallow = {"next": shallow}
    assert schema_problem("Node", shallow) is None
    assert schema_problem("Node", {"next": {"next": 5}}) == _validation.SchemaProblem(
        ("next", "next"), "5 is not of type 'object'"
    )
    deep = {"next": shallow}
    for _ in range(5):
        deep = {"next": deep}
    problem = schema_problem("Node", deep)
    assert problem is not None
    assert (len(problem.path), problem.message) == (
        MAX_RECURSIVE_DEPTH,
        f"is nested deeper than {MAX_RECURSIVE_DEPTH} levels, which is not checked",
    )


def test_a_deep_request_document_is_checked_without_recursion() -> None:
    # Deeper than Python's recursion limit, in a property the schema leaves open: accepted, and
    # neither the walk for values JSON has no type for nor jsonschema-rs recurses in Python.
    deep: dict[str, Any] = {}
    for _ in range(sys.getrecursionlimit() * 2):
        deep = {"a": deep}
    document = {"address": deep}
    assert _surely_valid("UpdateCustomerRequest", document)
    check_request("UpdateCustomerRequest", document)


def test_nothing_heavy_is_loaded_at_import() -> None:
    # What each costs is in scripts/bench.py's import figure: the models (attrs), jsonschema,
    # asyncio, sqlite3 and the rest load with the first client, call or store that needs them.
    code = (
        "import sys, light_client; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('jsonschema', 'jsonschema_rs', 'referencing', 'attrs', 'attr', 'asyncio', 'sqlite3', "
        "'concurrent') "
        "or m.startswith(('light_client.mock', 'light_client._generated.models', "
        "'light_client.resources.', 'light_client.bulk'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"context": {"": False}}, ("context", "")),
        ({"context": {"a": False}}, ("context", "a")),
        ({"context": False}, ("context",)),
    ],
)
def test_an_empty_key_is_kept_in_the_path(document: dict[str, Any], path: tuple[str]) -> None:
    # jsonschema-rs leaves an empty key out of its instance path; the problem names it.
    problem = schema_problem("ErrorDetail", document)
    assert problem == _validation.SchemaProblem(path, "False is not of type 'object', 'null'")
