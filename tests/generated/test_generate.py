"""scripts/operations.py's reading of a document: the facts it hands the templates, the names it
gives the methods, and the shapes it refuses, by name, rather than generate an operation the
runtime cannot send."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import official
import pytest
import yaml
from generate import _config, class_of
from operations import GenerationError, method_place, operation_facts, resources

from tests.conftest import ROOT

CLASS_OF = class_of(_config(ROOT / "openapi.yaml", ROOT / "unused"))


def _facts(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {facts["operation_id"]: facts for facts in operation_facts(spec, CLASS_OF)}


def test_the_facts_of_each_operation(spec: dict[str, Any]) -> None:
    facts = _facts(spec)
    update = facts["updateCustomer"]
    assert (update["tag"], update["group"], update["name"], update["method"]) == (
        "customers",
        None,
        "update",
        "PATCH",
    )
    assert update["path_parameters"] == [
        {
            "python_name": "customer_id",
            "name": "customerId",
            "format": "uuid",
            "description": None,
            "arg_name": "customer_id",  # its name in the signature (it repeats no keyword)
        }
    ]
    assert update["answer_id"] == "customer_id"
    assert update["idempotency_header"] == "X-Idempotency-Key"
    assert update["body"]["kind"] == "json"
    assert update["body"]["class"] == "UpdateCustomerRequest"
    assert update["body"]["content_type"] == "application/json;charset=UTF-8"
    assert update["answer"] == {
        "kind": "model",
        "schema": "Customer",
        "imports": [("customer", "Customer")],
        "type": "Customer",
        "parse": "Customer.from_dict",
        "accept": "application/json",
    }
    listing = facts["listCustomers"]
    assert (listing["answer"]["kind"], listing["answer"]["record_class"]) == ("page", "Customer")
    assert [(p["python_name"], p["name"], p["type"]) for p in listing["query_parameters"]] == [
        ("sort", "sort", "str"),
        ("filter", "filter", "str"),
        ("search_term", "searchTerm", "str"),
        ("limit", "limit", "int"),
        ("cursor", "cursor", "str"),
    ]
    assert listing["has_cursor"] is True
    include = facts["listCustomerCredits"]["query_parameters"]
    assert ("include", "list[str]") in [(p["name"], p["type"]) for p in include]


def test_an_answer_id_that_is_no_path_parameter_fails_naming_it(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/v1/customers/{customerId}"]["patch"]["x-light-answer-id"] = "customer"
    with pytest.raises(GenerationError) as caught:
        operation_facts(broken, CLASS_OF)
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
    facts = _facts(moved)["updateCustomer"]
    assert facts["path_parameters"][0]["format"] == "uuid"
    assert facts["answer_id"] == "customer_id"


def _add_parameter(where: str, name: str, schema: Any = None) -> Callable[[dict[str, Any]], None]:
    def change(operation: dict[str, Any]) -> None:
        parameter = {"name": name, "in": where, "schema": schema or {"type": "string"}}
        operation["parameters"].append(parameter)

    return change


def _add_deprecated_query(operation: dict[str, Any]) -> None:
    offset = {"name": "offset", "in": "query", "deprecated": True, "schema": {"type": "integer"}}
    operation["parameters"].append(offset)


def _add_form_body(operation: dict[str, Any]) -> None:
    form = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    operation["requestBody"]["content"].update(form)


def _xml_body(operation: dict[str, Any]) -> None:
    operation["requestBody"]["content"] = {"application/xml": {"schema": {"type": "object"}}}


def _inline_body(operation: dict[str, Any]) -> None:
    operation["requestBody"]["content"] = {"application/json": {"schema": {"type": "object"}}}


def _no_success(operation: dict[str, Any]) -> None:
    operation["responses"] = {"400": operation["responses"]["400"]}


def _inline_answer(operation: dict[str, Any]) -> None:
    operation["responses"]["200"]["content"] = {"application/json": {"schema": {"type": "string"}}}


def _path_unknown(operation: dict[str, Any]) -> None:
    operation["parameters"] = [
        p
        for p in operation["parameters"]
        if p.get("in") != "path" and "Id" not in p.get("$ref", "")
    ]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (_add_parameter("cookie", "session"), "its cookie parameter 'session' is not supported"),
        (
            _add_deprecated_query,
            "its query parameter 'offset' is deprecated: leave it out of the document",
        ),
        (
            _add_parameter("query", "where", {"type": "object"}),
            "its query parameter 'where' has a schema the runtime cannot write into a query string",
        ),
        (
            _add_parameter("query", "name"),
            "its parameter keyword 'name' is also a body field, an option or another "
            "parameter's keyword",
        ),
        (_add_form_body, "its request body has 2 media types; it takes one"),
        (_xml_body, "its request body is application/xml, which the runtime cannot send"),
        (
            _inline_body,
            "its request body is not a schema of components (or an array of one)",
        ),
        (_no_success, "it declares no success answer (2xx or default)"),
        (
            _inline_answer,
            "its answer's schema is neither a schema of components nor an array of one: name "
            "it in components",
        ),
        (_path_unknown, "its path parameter 'customerId' is not declared"),
    ],
)
def test_a_shape_the_runtime_cannot_send_fails_naming_it(
    spec: dict[str, Any], change: Callable[[dict[str, Any]], None], why: str
) -> None:
    broken = copy.deepcopy(spec)
    change(broken["paths"]["/v1/customers/{customerId}"]["patch"])
    with pytest.raises(GenerationError) as caught:
        operation_facts(broken, CLASS_OF)
    assert str(caught.value) == f"updateCustomer (PATCH /v1/customers/{{customerId}}): {why}"


def test_a_parameter_named_like_an_option_gets_an_underscore(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    _add_parameter("query", "timeout", {"type": "integer"})(
        changed["paths"]["/v1/customers/{customerId}"]["patch"]
    )
    query = _facts(changed)["updateCustomer"]["query_parameters"]
    assert [(p["python_name"], p["name"], p["type"]) for p in query] == [
        ("timeout_", "timeout", "int")
    ]


def test_the_reserved_client_attributes_are_the_clients_own() -> None:
    from operations import CLIENT_ATTRIBUTES

    from light_client import LightClient, SyncLightClient

    public = {
        name for client in (LightClient, SyncLightClient) for name in dir(client) if name[0] != "_"
    }
    assert public == CLIENT_ATTRIBUTES


@pytest.mark.parametrize(
    ("tag", "why"), [("Get", "light.get"), ("class", "light.class"), ("Timeout", "light.timeout")]
)
def test_a_tag_that_is_no_free_attribute_fails_naming_it(
    spec: dict[str, Any], tag: str, why: str
) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/v1/customers/{customerId}"]["patch"]["tags"] = [tag]
    with pytest.raises(GenerationError, match=rf"^updateCustomer: its tag would be {why}"):
        resources(broken, CLASS_OF)


def test_a_get_with_a_body_fails_naming_it(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    item = broken["paths"]["/v1/customers/{customerId}"]
    item["get"]["requestBody"] = item["patch"]["requestBody"]
    with pytest.raises(GenerationError, match=r"it is a GET with a request body"):
        operation_facts(broken, CLASS_OF)


def test_an_options_operation_fails_naming_it(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    item = broken["paths"]["/v1/customers/{customerId}"]
    item["options"] = {**item["get"], "operationId": "customerOptions"}
    with pytest.raises(GenerationError, match=r"^customerOptions \(OPTIONS /v1/customers/"):
        operation_facts(broken, CLASS_OF)


@pytest.mark.parametrize(
    ("operation_id", "tag", "path", "place"),
    [
        # The names, and today's two updates.
        ("getCustomerById", "Customers", "/v1/customers/{customerId}", (None, "get")),
        ("listCustomers", "Customers", "/v1/customers", (None, "list")),
        ("createCustomer", "Customers", "/v1/customers", (None, "create")),
        ("archiveCustomer", "Customers", "/v1/customers/{customerId}/archive", (None, "archive")),
        ("updateCustomer", "Customers", "/v1/customers/{customerId}", (None, "update")),
        (
            "updateCustomerCredit",
            "Customer Credits",
            "/v1/customer-credits/{customerCreditId}",
            (None, "update"),
        ),
        # Sub-resources: a segment followed by its own parameter, or a collection at the end.
        (
            "updateCustomerCreditLine",
            "Customer Credits",
            "/v1/customer-credits/{customerCreditId}/lines/{lineId}",
            ("lines", "update"),
        ),
        (
            "createCustomerCreditLine",
            "Customer Credits",
            "/v1/customer-credits/{customerCreditId}/lines",
            ("lines", "create"),
        ),
        (
            "deleteInvoiceLine",
            "Invoice Receivables",
            "/v1/invoice-receivables/{invoiceReceivableId}/lines/{lineId}",
            ("lines", "delete"),
        ),
        (
            "linkCustomerCreditToInvoice",
            "Customer Credits",
            "/v1/customer-credits/{id}/invoice-receivables/{invoiceReceivableId}/link",
            ("invoice_receivables", "link_to_invoice"),
        ),
        # Actions, suffixes and prepositions.
        (
            "postAndSendCustomerCredit",
            "Customer Credits",
            "/v1/customer-credits/{id}/post-and-send-email",
            (None, "post_and_send"),
        ),
        (
            "getAttachedDocument_1",
            "Expenses",
            "/v1/expenses/{id}/document",
            (None, "get_attached_document"),
        ),
        (
            "generateUploadUrlForCardTransaction",
            "Card Transactions",
            "/v1/card-transactions/{id}/receipt-upload-url",
            (None, "generate_upload_url"),
        ),
        ("getCompanyEntities", "Entities", "/v1/entities", (None, "get_company_entities")),
        # A capital before a capitalised word is one word with it.
        ("getOAuthToken", "Authorization", "/oauth/token", (None, "get_oauth_token")),
        (
            "submitCustomerCreditEInvoice",
            "Customer Credits",
            "/v1/customer-credits/{id}/submit-einvoice",
            (None, "submit_einvoice"),
        ),
    ],
)
def test_method_names_follow_the_rules(
    operation_id: str, tag: str, path: str, place: tuple[str | None, str]
) -> None:
    assert method_place(operation_id, tag, path) == place


def test_two_operations_with_one_method_name_fail_the_run(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    # updateCustomer_2 (Light's suffix for a repeated operationId) would be
    # light.customers.update, as updateCustomer is.
    from generate import generate_into

    clash = copy.deepcopy(spec)
    item = clash["paths"]["/v1/customers/{customerId}"]
    clash["paths"]["/v1/customers/{customerId}/v2"] = {
        "patch": {**item["patch"], "operationId": "updateCustomer_2"}
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(clash, sort_keys=False), encoding="utf-8")
    with pytest.raises(GenerationError) as caught:
        generate_into(tmp_path / "out", path)
    assert str(caught.value) == (
        "updateCustomer and updateCustomer_2 would both be light.customers.update: "
        "rename one operationId"
    )


def test_every_operation_of_lights_document_gets_facts_and_a_name_of_its_own() -> None:
    # The whole published document, normalised: every shape it has is one the generator reads.
    document = official.normalise(official.load())
    found = resources(document, CLASS_OF)
    places = [
        (tag, group, name)
        for tag, resource in found.items()
        for group, operations in resource["groups"].items()
        for name in operations
    ]
    assert len(places) == len(set(places)) == 181
    operation_ids = {
        op["operation_id"]
        for resource in found.values()
        for operations in resource["groups"].values()
        for op in operations.values()
    }
    assert len(operation_ids) == 181
    kinds = sorted(
        op["answer"]["kind"]
        for resource in found.values()
        for operations in resource["groups"].values()
        for op in operations.values()
    )
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "model": 123,
        "page": 22,
        "list": 11,
        "none": 19,
        "json": 2,
        "bytes": 4,
    }
