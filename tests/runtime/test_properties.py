"""Property tests over both response schemas and the request helpers.

Every test here runs 200 examples (the "light" Hypothesis profile in conftest.py), derandomized
so CI sees the same examples on every run. Documents are drawn from openapi.yaml itself
(tests/strategies.py).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from light_client import (
    ResponseValidationError,
    fields_from_mapping,
    minimal_update,
    request_body,
)
from light_client._runtime.validation import json_path, nullable_properties, parse_model
from light_client.models import (
    Customer,
    CustomerCredit,
    UpdateCustomerCreditRequest,
    UpdateCustomerRequest,
)
from tests.strategies import documents, extra_properties, schemas

RESPONSES = [("Customer", Customer), ("CustomerCredit", CustomerCredit)]
REQUESTS = [
    ("UpdateCustomerRequest", UpdateCustomerRequest),
    ("UpdateCustomerCreditRequest", UpdateCustomerCreditRequest),
]
Model = type[Customer] | type[CustomerCredit]


def answer(document: Any) -> httpx.Response:
    request = httpx.Request("PATCH", "https://api.light.inc/v1/test")
    return httpx.Response(200, content=json.dumps(document).encode(), request=request)


def resolve(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a schema node, refs followed."""
    if "$ref" in node:
        return resolve(schemas()[node["$ref"].removeprefix("#/components/schemas/")])
    if "oneOf" in node:
        return [alt for branch in node["oneOf"] for alt in resolve(branch)]
    types = node.get("type", "object")
    if isinstance(types, list):
        return [{**node, "type": t} for t in types if t != "null"]
    return [] if types == "null" else [node]


def canonical(value: Any, node: dict[str, Any]) -> Any:
    """``value`` with date-times as datetime objects: equal up to their representation."""
    if value is None:
        return None
    (alternative, *_) = resolve(node)
    if isinstance(value, str) and alternative.get("format") == "date-time":
        return datetime.datetime.fromisoformat(value)
    if isinstance(value, list):
        return [canonical(item, alternative.get("items", {})) for item in value]
    if isinstance(value, dict):
        properties = alternative.get("properties", {})
        return {key: canonical(item, properties.get(key, {})) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("name", "model"), RESPONSES)
@given(data=st.data())
def test_every_valid_document_parses_and_round_trips(
    data: st.DataObject, name: str, model: Model
) -> None:
    document = data.draw(documents(name))
    parsed: Any = parse_model(name, model.from_dict, answer(document))
    node = schemas()[name]
    assert canonical(parsed.to_dict(), node) == canonical(document, node)


def with_extras(data: st.DataObject, value: Any, node: dict[str, Any]) -> Any:
    """``value`` with unknown properties added to it and to every object inside it."""
    if not isinstance(value, (dict, list)):
        return value
    (alternative, *_) = resolve(node) or [{}]
    if isinstance(value, list):
        return [with_extras(data, item, alternative.get("items", {})) for item in value]
    properties = alternative.get("properties", {})
    out = {key: with_extras(data, item, properties.get(key, {})) for key, item in value.items()}
    return {**data.draw(extra_properties()), **out}


@pytest.mark.parametrize(("name", "model"), RESPONSES)
@given(data=st.data())
def test_unknown_enum_values_and_properties_round_trip(
    data: st.DataObject, name: str, model: Model
) -> None:
    node = schemas()[name]
    document = with_extras(data, data.draw(documents(name, open_enums=True)), node)
    parsed: Any = parse_model(name, model.from_dict, answer(document))
    assert canonical(parsed.to_dict(), node) == canonical(document, node)
    status = document.get("status")
    if isinstance(status, str):
        assert parsed.status == status and str(parsed.status) == status


def places(
    value: Any, node: dict[str, Any], path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every place in a document (but the root) with the schema that governs it."""
    found = []
    (alternative, *_) = resolve(node) or [{}]
    if isinstance(value, dict):
        for key, item in value.items():
            child = alternative.get("properties", {}).get(key, {})
            found += [((*path, key), child), *places(item, child, (*path, key))]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = alternative.get("items", {})
            found += [((*path, index), child), *places(item, child, (*path, index))]
    return found


WRONG_VALUE = {
    "string": 12345,
    "integer": "12",
    "number": "1.5",
    "boolean": "yes",
    "object": [],
    "array": {"a": 1},
}
WRONG_FORMAT = {"uuid": "not-a-uuid", "date": "2024-02-30", "date-time": "yesterday"}


@pytest.mark.parametrize(("name", "model"), RESPONSES)
@given(data=st.data())
def test_a_document_broken_in_one_place_names_it(
    data: st.DataObject, name: str, model: Model
) -> None:
    document = data.draw(documents(name).filter(lambda d: bool(places(d, schemas()[name]))))
    path, node = data.draw(st.sampled_from(places(document, schemas()[name])))
    (alternative, *_) = resolve(node)
    wrong: Any = (
        WRONG_FORMAT.get(alternative.get("format", "")) if data.draw(st.booleans()) else None
    )
    wrong = wrong or WRONG_VALUE[alternative.get("type", "object")]
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = wrong
    with pytest.raises(ResponseValidationError) as caught:
        parse_model(name, model.from_dict, answer(document))
    assert caught.value.path == json_path(path)


@pytest.mark.parametrize(("name", "request_type"), REQUESTS)
@given(data=st.data())
def test_update_json_is_exactly_what_was_asked(
    data: st.DataObject, name: str, request_type: type[Any]
) -> None:
    document = data.draw(documents(name, open_enums=True))
    fields = fields_from_mapping(request_type, document)
    body = request_body(request_type(**fields))
    assert json.loads(body) == document  # unset fields absent, None sent as null, values as given
    assert "Unset" not in body
    assert all(
        (json.loads(body)[key] is None) == (value is None) for key, value in document.items()
    )


CUSTOMER_FIELDS = [
    k for k in schemas()["UpdateCustomerRequest"]["properties"] if k != "customProperties"
]


@given(data=st.data())
def test_minimal_update_reaches_the_wanted_values(data: st.DataObject) -> None:
    old = data.draw(documents("Customer"))
    request = data.draw(documents("UpdateCustomerRequest"))
    wanted = {key: value for key, value in request.items() if key in CUSTOMER_FIELDS}
    texts = sorted(key for key, value in wanted.items() if isinstance(value, str))
    empty_one: bool = data.draw(st.booleans())
    if texts and empty_one:
        wanted[data.draw(st.sampled_from(texts))] = ""  # a text emptied
    last_seen = Customer.from_dict(old)
    diff = json.loads(
        request_body(
            UpdateCustomerRequest(**minimal_update(UpdateCustomerRequest, last_seen, wanted))
        )
    )
    before = last_seen.to_dict()
    after = {**before, **diff}
    for key, value in wanted.items():
        if value == "":  # cleared where the resource may hold null, else sent as ""
            assert after.get(key) == (None if key in nullable_properties("Customer") else "")
        elif isinstance(value, dict) and isinstance(before.get(key), dict):
            assert after[key] == {**before[key], **value}
        else:
            assert after.get(key) == value
    for key, value in diff.items():
        assert before.get(key) != value  # minimal: nothing sent that was already so
