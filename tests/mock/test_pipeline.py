"""The mock's pipeline: routes from the spec, credentials first, strict about what it accepts
and about its own answers (over HTTP, on the session's mock reset for each test)."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from light_client._pytest_plugin import UNPACED_LIMIT
from light_client._runtime.schemas import document
from light_client.mock import LightMock
from light_client.mock._http import Answer
from light_client.mock._routes import parsed_openapi, read_only, read_only_fields, routes
from light_client.mock._seed import SECOND_CUSTOMER_ID
from tests._mock_wire import light_error, raw

JSON = "application/json;charset=UTF-8"


@pytest.fixture
def mock(light_mock_shared: LightMock) -> LightMock:
    return light_mock_shared


@pytest.fixture
def http(mock: LightMock) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Basic {mock.api_key}", "Content-Type": JSON}
    with httpx.Client(base_url=mock.base_url, headers=headers) as client:
        yield client


def patch(
    http: httpx.Client, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return http.patch(path, content=json.dumps(body).encode(), headers=headers)


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({"id": "not-a-uuid"}, light_error("BAD_REQUEST", "is read-only", ["id"])),
        ({"createdAt": "garbage"}, light_error("BAD_REQUEST", "is read-only", ["createdAt"])),
        (
            {"updatedAt": "2026-01-01T00:00:00Z"},
            light_error("BAD_REQUEST", "is read-only", ["updatedAt"]),
        ),
        ({"status": "PAID"}, light_error("BAD_REQUEST", "is read-only", ["status"])),
        ({"amount": 1e2}, light_error("BAD_REQUEST", "100.0 is not a 'int64'", ["amount"])),
        (
            {"currency": None},  # openapi.yaml: a string, never null
            light_error(
                "BAD_REQUEST",
                "None is not of type 'string'",
                ["currency"],
                {"location": {"jsonPath": "currency"}},
            ),
        ),
    ],
)
def test_no_request_can_corrupt_the_store(
    http: httpx.Client, mock: LightMock, body: dict[str, Any], answer: dict[str, Any]
) -> None:
    before = mock.store.get("CustomerCredit", mock.customer_credit_id)
    response = patch(http, f"/v1/customer-credits/{mock.customer_credit_id}", body)
    assert (response.status_code, response.json()) == (400, answer)
    assert mock.store.get("CustomerCredit", mock.customer_credit_id) == before


@pytest.mark.parametrize("name", ["recipientEmails", "ccEmails"])
def test_null_clears_a_list_the_resource_always_holds(
    http: httpx.Client, mock: LightMock, name: str
) -> None:
    # The request schema admits null; the resource holds a list: null clears it to [].
    response = patch(http, f"/v1/customers/{mock.customer_id}", {name: None})
    stored = mock.store.get("Customer", mock.customer_id)
    assert (response.status_code, response.json()[name]) == (200, [])
    assert stored is not None and stored[name] == []


def test_read_only_fields_are_taken_from_the_spec() -> None:
    assert read_only("Customer", "UpdateCustomerRequest") == {
        "createdAt",
        "externalSource",
        "id",
        "status",
        "updatedAt",
    }
    schemas = {
        "Thing": {"properties": {"id": {}, "name": {}, "code": {"readOnly": True}}},
        "UpdateThing": {"properties": {"name": {}, "code": {}, "secret": {"readOnly": True}}},
    }
    assert read_only_fields(schemas, "Thing", "UpdateThing") == {"id", "code", "secret"}


def test_an_idempotency_key_belongs_to_one_method_path_and_body(
    http: httpx.Client, mock: LightMock
) -> None:
    key = {"X-Idempotency-Key": "k-42"}
    reused = light_error(
        "UNPROCESSABLE_CONTENT",
        "X-Idempotency-Key was already used with a different body or path",
        ["X-Idempotency-Key"],
    )
    first = patch(http, f"/v1/customers/{mock.customer_id}", {"name": "A"}, key)
    replay = patch(http, f"/v1/customers/{mock.customer_id}", {"name": "A"}, key)
    other_resource = patch(http, f"/v1/customers/{SECOND_CUSTOMER_ID}", {"name": "A"}, key)
    other_body = patch(http, f"/v1/customers/{mock.customer_id}", {"name": "B"}, key)
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.content == first.content
    assert (other_resource.status_code, other_resource.json()) == (422, reused)
    assert (other_body.status_code, other_body.json()) == (422, reused)
    assert dict(mock.stats.applied) == {"k-42": 1}
    untouched = mock.store.get("Customer", SECOND_CUSTOMER_ID)
    assert untouched is not None and untouched["name"] == "Fjord Consulting"


def test_an_empty_idempotency_key_is_refused(http: httpx.Client, mock: LightMock) -> None:
    empty = patch(
        http, f"/v1/customers/{mock.customer_id}", {"name": "B"}, {"X-Idempotency-Key": ""}
    )
    # openapi.yaml says the key is not empty (minLength 1): the spec's check refuses it.
    (detail,) = empty.json()["errors"]
    assert (empty.status_code, empty.json()["type"]) == (400, "BAD_REQUEST")
    assert (detail["path"], detail["message"]) == (["X-Idempotency-Key"], "'' should be non-empty")
    assert mock.stats.applied == {}


def test_credentials_are_checked_before_the_body(mock: LightMock) -> None:
    with httpx.Client(base_url=mock.base_url) as anonymous:
        answer = anonymous.patch(f"/v1/customers/{mock.customer_id}", content=b"\xff not json")
    assert (answer.status_code, answer.json()) == (
        401,
        {"type": "UNAUTHORIZED", "message": "invalid API key or token"},
    )


def test_json_is_accepted_with_or_without_its_charset(http: httpx.Client, mock: LightMock) -> None:
    for content_type in ("application/json", "application/json; charset=utf-8"):
        answer = patch(
            http,
            f"/v1/customers/{mock.customer_id}",
            {"name": content_type},
            {"Content-Type": content_type},
        )
        assert (answer.status_code, answer.json()["name"]) == (200, content_type)


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE", "OPTIONS", "TRACE", "HEAD"])
def test_undeclared_methods_are_405_with_allow(mock: LightMock, method: str) -> None:
    request = (
        f"{method} /v1/customer-credits/{mock.customer_credit_id}/archive HTTP/1.1\r\n"
        f"Host: x\r\nAuthorization: Basic {mock.api_key}\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    status, headers, answer = raw(mock, request)
    assert (status, headers["Allow"], headers["Content-Type"]) == (405, "POST", JSON)
    expected = light_error("METHOD_NOT_ALLOWED", f"{method} is not allowed here")
    assert answer == (None if method == "HEAD" else expected)
    assert int(headers["Content-Length"]) == len(json.dumps(expected))


def test_an_unknown_path_is_404(http: httpx.Client) -> None:
    answer = http.get("/v1/invoices")
    assert (answer.status_code, answer.json()) == (
        404,
        {"type": "NOT_FOUND", "message": "no route /v1/invoices"},
    )


def test_an_update_that_would_break_the_spec_is_a_loud_500_and_not_stored(
    http: httpx.Client, mock: LightMock, caplog: pytest.LogCaptureFixture
) -> None:
    mock.store.resources["Customer"][mock.customer_id]["createdAt"] = "garbage"
    with caplog.at_level(logging.ERROR, logger="light_client.mock"):
        answer = patch(http, f"/v1/customers/{mock.customer_id}", {"name": "x"})
    bug = (
        f"Customer {mock.customer_id} would break openapi.yaml at createdAt: "
        "'garbage' is not a 'date-time'"
    )
    assert (answer.status_code, answer.json()) == (
        500,
        light_error("INTERNAL_SERVER_ERROR", f"the Light mock failed (its bug, not yours): {bug}"),
    )
    assert [record.getMessage() for record in caplog.records] == [f"Light mock bug: {bug}"]
    stored = mock.store.get("Customer", mock.customer_id)
    assert stored is not None and stored["name"] == "Nordlys ApS"


def test_every_answer_is_checked_against_its_schema(
    mock: LightMock, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/v1/customers/{mock.customer_id}"
    fine = Answer(404, {"type": "NOT_FOUND", "message": "gone"}, {})
    assert mock.check_answer("PATCH", path, fine) is fine
    with caplog.at_level(logging.ERROR, logger="light_client.mock"):
        broken = mock.check_answer("PATCH", path, Answer(404, {"message": 4}, {}))
    bug = "its PATCH answer 404 breaks Error at message: 4 is not of type 'string'"
    assert broken == Answer(
        500,
        light_error("INTERNAL_SERVER_ERROR", f"the Light mock failed (its bug, not yours): {bug}"),
        {},
    )
    assert [record.getMessage() for record in caplog.records] == [f"Light mock bug: {bug}"]


def test_any_failure_of_the_mock_is_a_500_in_lights_format(
    http: httpx.Client,
    mock: LightMock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(kind: str, resource_id: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(mock.store, "get", broken)
    with caplog.at_level(logging.ERROR, logger="light_client.mock"):
        answer = patch(http, f"/v1/customers/{mock.customer_id}", {"name": "x"})
    path = f"/v1/customers/{mock.customer_id}"
    bug = f"PATCH {path} raised an exception (logged)"
    assert (answer.status_code, answer.json()) == (
        500,
        light_error("INTERNAL_SERVER_ERROR", f"the Light mock failed (its bug, not yours): {bug}"),
    )
    traceback, summary = caplog.records
    assert traceback.exc_info is not None and isinstance(traceback.exc_info[1], RuntimeError)
    assert summary.getMessage() == f"Light mock bug: {bug}"


def test_routes_come_from_the_spec() -> None:
    # (verb, resource, request, records), and for an operation below a resource's id the
    # segment after it and whether it is a collection of the resource (else an action or a link).
    served = {
        route.template: {
            method: (operation.verb, operation.resource, operation.request, operation.records)
            + ((operation.segment, operation.collection) if operation.parent else ())
            for method, operation in route.operations.items()
        }
        for route in routes()
    }
    assert served == {
        "/v1/customers/{customerId}": {
            "GET": ("get", "Customer", None, None),
            "PATCH": ("update", "Customer", "UpdateCustomerRequest", None),
        },
        "/v1/customers": {
            "GET": ("list", "CustomerPage", None, "Customer"),
            "POST": ("create", "Customer", "CreateCustomerRequest", None),
        },
        "/v1/customers/{customerId}/archive": {
            "POST": ("archive", "Customer", None, None, "archive", False)
        },
        "/v1/customers/{customerId}/activate": {
            "POST": ("activate", "Customer", None, None, "activate", False)
        },
        "/v1/customer-credits/{customerCreditId}": {
            "GET": ("get", "CustomerCredit", None, None),
            "PATCH": ("update", "CustomerCredit", "UpdateCustomerCreditRequest", None),
        },
        "/v1/customer-credits": {
            "GET": ("list", "CustomerCreditPage", None, "CustomerCredit"),
            "POST": ("create", "CustomerCredit", "CreateCustomerCreditRequest", None),
        },
        "/v1/customer-credits/{customerCreditId}/archive": {
            "POST": ("archive", "CustomerCredit", None, None, "archive", False)
        },
        "/v1/customer-credits/{customerCreditId}/unarchive": {
            "POST": ("unarchive", "CustomerCredit", None, None, "unarchive", False)
        },
        "/v1/customer-credits/{customerCreditId}/lines": {
            "POST": (
                "create",
                "CustomerCreditLine",
                "CreateCustomerCreditLineRequest",
                None,
                "lines",
                True,
            )
        },
        "/v1/customer-credits/{customerCreditId}/lines/{lineId}": {
            "DELETE": ("delete", "CustomerCreditLine", None, None, "lines", True),
            "PATCH": (
                "update",
                "CustomerCreditLine",
                "UpdateCustomerCreditLineRequest",
                None,
                "lines",
                True,
            ),
        },
        "/v1/customer-credits/{customerCreditId}/invoice-receivables/{invoiceReceivableId}/link": {
            "POST": (
                "link",
                "CustomerCreditInvoiceReceivable",
                "LinkCustomerCreditToInvoiceReceivableRequest",
                None,
                "invoice-receivables",
                False,
            )
        },
        "/v1/customer-credits/{customerCreditId}/invoice-receivables/{invoiceReceivableId}": {
            "POST": (
                "link",
                "CustomerCreditInvoiceReceivable",
                "LinkCustomerCreditToInvoiceReceivableRequest",
                None,
                "invoice-receivables",
                False,
            ),
            "DELETE": ("unlink", "CustomerCredit", None, None, "invoice-receivables", False),
        },
        "/v1/customer-credits/{customerCreditId}/post-and-send-email": {
            "POST": (
                "post",
                "CustomerCredit",
                "PostAndSendCustomerCreditRequest",
                None,
                "post-and-send-email",
                False,
            )
        },
        "/v1/customer-credits/{customerCreditId}/post": {
            "POST": ("post", "CustomerCredit", "PostCustomerCreditRequest", None, "post", False)
        },
        "/v1/customer-credits/{customerCreditId}/submit-einvoice": {
            "POST": ("submit", "CustomerCredit", None, None, "submit-einvoice", False)
        },
        "/v1/customer-credits/{customerCreditId}/invoice-receivables/{invoiceReceivableId}/unlink": {
            "POST": ("unlink", "CustomerCredit", None, None, "invoice-receivables", False)
        },
    }
    route = next(r for r in routes() if r.template == "/v1/customer-credits/{customerCreditId}")
    assert route.pattern.pattern == "^/v1/customer-credits/(?P<customerCreditId>[^/]+)$"
    assert route.operations["PATCH"].answers == {
        "200": "CustomerCredit",
        **dict.fromkeys(["400", "401", "403", "404", "429", "500", "default"], "Error"),
    }


@pytest.fixture
def spec_with_a_get(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """openapi.yaml with ``GET /v1/customer-credits/{customerCreditId}/preview`` added, as if
    written there."""
    spec = copy.deepcopy(document())
    credit = spec["paths"]["/v1/customer-credits/{customerCreditId}"]
    item = spec["paths"]["/v1/customer-credits/{customerCreditId}/preview"] = {}
    item["get"] = {
        "operationId": "getCustomerCreditPreview",
        "parameters": credit["patch"]["parameters"][1:],  # the id, not the idempotency key
        "responses": {
            "200": {
                "description": "ok",
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/CustomerCredit"}}},
            },
            "default": {"$ref": "#/components/responses/Error"},
        },
    }
    monkeypatch.setattr("light_client.mock._routes.document", lambda: spec)
    for cached in (routes, parsed_openapi):
        cached.cache_clear()
    yield
    monkeypatch.undo()
    for cached in (routes, parsed_openapi):
        cached.cache_clear()


def test_an_operation_added_to_the_spec_is_served_with_no_mock_code(spec_with_a_get: None) -> None:
    with LightMock() as fresh, httpx.Client(base_url=fresh.base_url) as http:
        auth = {"Authorization": f"Basic {fresh.api_key}"}
        preview = f"/v1/customer-credits/{fresh.customer_credit_id}/preview"
        found = http.get(preview, headers=auth)
        missing = http.get(
            "/v1/customer-credits/00000000-0000-4000-8000-000000000000/preview", headers=auth
        )
        patched = http.request("PUT", preview, headers=auth)
    assert (found.status_code, found.json()) == (
        200,
        fresh.store.get("CustomerCredit", fresh.customer_credit_id),
    )
    assert (missing.status_code, missing.json()["type"]) == (404, "NOT_FOUND")
    assert (patched.status_code, patched.headers["Allow"]) == (405, "GET")


def test_the_shared_mock_is_reset_for_each_test(
    mock: LightMock, light_mock_session: LightMock
) -> None:
    assert mock is light_mock_session
    mock.rate_limit.limit = 1
    mock.faults.latency = 0.5
    mock.oauth_expires_in = 0
    with httpx.Client(base_url=mock.base_url) as anonymous:
        assert anonymous.patch("/v1/customers/x").status_code == 401
    mock.reset()
    configured = (0, UNPACED_LIMIT, 0.0)  # the plugin's mocks are not paced
    assert (mock.stats.requests, mock.rate_limit.limit, mock.faults.latency) == configured
    assert mock.oauth_expires_in == 3600
