"""scripts/generate.py's own reading of the document: the facts it hands the templates, and the
shapes it refuses, by name, rather than generate an operation the runtime cannot send."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from generate import GenerationError, _config, operation_facts

from tests.conftest import ROOT

CONFIG = _config(ROOT / "openapi.yaml", ROOT / "unused")


def test_the_facts_of_each_operation(spec: dict[str, Any]) -> None:
    facts = operation_facts(spec, CONFIG)
    assert facts["update_customer"] == {
        "operation_id": "updateCustomer",
        "path": "/v1/customers/{customerId}",
        "body_schema": "UpdateCustomerRequest",
        "answer_schema": "Customer",
        "path_formats": {"customerId": "uuid"},
        "answer_id": "customerId",
        "paginated": False,
        "query_descriptions": {},
    }
    assert facts["update_customer_credit"]["answer_id"] == "customerCreditId"
    listing = facts["list_customers"]
    assert (listing["path"], listing["answer_schema"], listing["paginated"]) == (
        "/v1/customers",
        "CustomerPage",
        True,
    )
    assert list(listing["query_descriptions"]) == [
        "sort",
        "filter",
        "searchTerm",
        "limit",
        "cursor",
    ]


def test_an_answer_id_that_is_no_path_parameter_fails_naming_it(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/v1/customers/{customerId}"]["patch"]["x-light-answer-id"] = "customer"
    with pytest.raises(GenerationError) as caught:
        operation_facts(broken, CONFIG)
    assert str(caught.value) == (
        "updateCustomer (PATCH /v1/customers/{customerId}): x-light-answer-id names 'customer', "
        "which is not one of its path parameters"
    )


def test_path_item_parameters_and_refs_count(spec: dict[str, Any]) -> None:
    # Valid OpenAPI: the id declared once for the path, by reference; its format still counts.
    moved = copy.deepcopy(spec)
    moved["components"]["parameters"]["CustomerId"] = {
        "name": "customerId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    item = moved["paths"]["/v1/customers/{customerId}"]
    item["parameters"] = [{"$ref": "#/components/parameters/CustomerId"}]
    patch = item["patch"]
    patch["parameters"] = [p for p in patch["parameters"] if p.get("in") != "path"]
    facts = operation_facts(moved, CONFIG)["update_customer"]
    assert facts["path_formats"] == {"customerId": "uuid"}
    assert facts["answer_id"] == "customerId"


def _add_parameter(where: str, name: str) -> Callable[[dict[str, Any]], None]:
    def change(operation: dict[str, Any]) -> None:
        operation["parameters"].append({"name": name, "in": where, "schema": {"type": "string"}})

    return change


def _add_deprecated_query(operation: dict[str, Any]) -> None:
    offset = {"name": "offset", "in": "query", "deprecated": True, "schema": {"type": "integer"}}
    operation["parameters"].append(offset)


def _add_form_body(operation: dict[str, Any]) -> None:
    form = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    operation["requestBody"]["content"].update(form)


def _drop_200(operation: dict[str, Any]) -> None:
    del operation["responses"]["200"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            _add_parameter("cookie", "session"),
            "its cookie parameter 'session' is not supported yet",
        ),
        (
            _add_deprecated_query,
            "its query parameter 'offset' is deprecated: leave it out of openapi.yaml",
        ),
        (
            _add_parameter("header", "X-Tenant"),
            "its header parameter 'X-Tenant' is not supported yet",
        ),
        (
            _add_form_body,
            "its request body is ['application/json;charset=UTF-8', "
            "'application/x-www-form-urlencoded']; the runtime sends and reads one JSON",
        ),
        (_drop_200, "it has no 200 answer whose JSON is a schema of components"),
    ],
)
def test_a_shape_the_runtime_cannot_send_fails_naming_it(
    spec: dict[str, Any], change: Callable[[dict[str, Any]], None], why: str
) -> None:
    broken = copy.deepcopy(spec)
    change(broken["paths"]["/v1/customers/{customerId}"]["patch"])
    with pytest.raises(GenerationError) as caught:
        operation_facts(broken, CONFIG)
    assert str(caught.value) == f"updateCustomer (PATCH /v1/customers/{{customerId}}): {why}"


def test_two_operations_with_one_method_name_fail_the_run(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    # updateCustomerEmail would be light.customers.update, as updateCustomer is.
    from generate import generate_into

    clash = copy.deepcopy(spec)
    item = clash["paths"]["/v1/customers/{customerId}"]
    clash["paths"]["/v1/customers/{customerId}/email"] = {
        "patch": {**item["patch"], "operationId": "updateCustomerEmail"}
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(clash, sort_keys=False), encoding="utf-8")
    with pytest.raises(GenerationError) as caught:
        generate_into(tmp_path / "out", path)
    assert str(caught.value) == (
        "update_customer and update_customer_email would both be light.customers.update: "
        "rename one operationId"
    )
