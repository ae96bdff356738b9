"""The generated layer on its own: exact requests and typed parsing, per operation."""

from __future__ import annotations

import ast
import datetime
import inspect
import itertools
import sys
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs
import pytest
from spec_compare import operation_schemas, resolve

from light_client._core.types import UNSET, Unset
from light_client._generated import models as models_module
from light_client._runtime.fields import json_names
from light_client._runtime.prepare import Call, prepare
from light_client._runtime.settings import Settings
from light_client.models import (
    Address,
    CountryCode,
    Customer,
    CustomerCredit,
    CustomerCreditStatus,
    CustomerType,
    DcSign,
    UpdateCustomerCreditRequest,
    UpdateCustomerRequest,
)
from light_client.resources.customer_credits import UPDATE_CUSTOMER_CREDIT
from light_client.resources.customers import UPDATE_CUSTOMER
from tests.conftest import load_json

BASE_URL = "https://api.light.inc"
ID = UUID("3c90c3cc-0d44-4b50-8888-8dd25736052a")
JSON_TYPE = "application/json;charset=UTF-8"


SETTINGS = Settings.build(
    {
        "base_url": BASE_URL,
        "timeout": 5,
        "max_retries": 0,
        "max_requests_per_minute": None,
        "max_queue_wait": None,
        "rate_limit_store": None,
        "default_headers": None,
        "max_response_bytes": 1000,
        "max_download_bytes": 2000,
        "on_attempt": None,
        "clock": None,
        "strict_response_validation": True,
    }
)


def fields_of(body: Any) -> dict[str, Any]:
    """A request model's fields that are set, as the keywords of its operation's method."""
    values = {name: getattr(body, name) for name in body.JSON_NAMES}
    return {name: value for name, value in values.items() if not isinstance(value, Unset)}


def test_operations_are_literals_of_the_spec() -> None:
    # What the runtime sends is what the generator wrote: no reflection, no spec at run time.
    assert UPDATE_CUSTOMER.operation_id == "updateCustomer"
    assert (UPDATE_CUSTOMER.method, UPDATE_CUSTOMER.path) == ("PATCH", "/v1/customers/{customerId}")
    assert [(p.python_name, p.name, p.format) for p in UPDATE_CUSTOMER.path_parameters] == [
        ("customer_id", "customerId", "uuid")
    ]
    assert (UPDATE_CUSTOMER.body_type, UPDATE_CUSTOMER.body_schema) == (
        UpdateCustomerRequest,
        "UpdateCustomerRequest",
    )
    assert (UPDATE_CUSTOMER.answer_schema, UPDATE_CUSTOMER.answer_id) == ("Customer", "customer_id")
    assert UPDATE_CUSTOMER.idempotency_header == "X-Idempotency-Key"
    assert UPDATE_CUSTOMER_CREDIT.path == "/v1/customer-credits/{customerCreditId}"
    assert UPDATE_CUSTOMER_CREDIT.answer_id == "customer_credit_id"


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        (UpdateCustomerRequest(), b"{}"),
        (UpdateCustomerRequest(name=UNSET, email=UNSET), b"{}"),
        (UpdateCustomerRequest(email=None), b'{"email":null}'),
        (
            UpdateCustomerRequest(name="Acme ApS", address=Address(country=CountryCode.DK)),
            b'{"name":"Acme ApS","address":{"country":"DK"}}',
        ),
        (
            UpdateCustomerRequest(type_=CustomerType.BUSINESS, recipient_emails=[]),
            b'{"type":"BUSINESS","recipientEmails":[]}',
        ),
        # Enum inputs take the plain string too; an unknown one (a type error: the keyword is
        # the enum or a Literal of its known values) is still sent as given at run time.
        (
            UpdateCustomerRequest(address=Address(country="DK")),
            b'{"address":{"country":"DK"}}',
        ),
        (
            UpdateCustomerRequest(type_="NEW_KIND"),  # type: ignore[arg-type]
            b'{"type":"NEW_KIND"}',
        ),
        (UpdateCustomerRequest(name="Æble ☃"), '{"name":"Æble ☃"}'.encode()),
    ],
)
def test_update_customer_request(body: UpdateCustomerRequest, sent: bytes) -> None:
    call: Call[Customer] = prepare(
        SETTINGS, UPDATE_CUSTOMER, (str(ID),), {**fields_of(body), "idempotency_key": "key-1"}
    )
    assert call.method == "PATCH"
    assert call.url == f"{BASE_URL}/v1/customers/{ID}"
    assert call.headers["Content-Type"] == JSON_TYPE
    assert call.headers["X-Idempotency-Key"] == "key-1"
    assert call.content == sent
    assert call.path_values == {"customer_id": str(ID)}


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        (UpdateCustomerCreditRequest(), b"{}"),
        (UpdateCustomerCreditRequest(description=None), b'{"description":null}'),
        (
            UpdateCustomerCreditRequest(
                amount=12_500,
                document_date=datetime.date(2024, 2, 29),
                customer_id=ID,
                are_lines_with_tax=False,
            ),
            b'{"customerId":"3c90c3cc-0d44-4b50-8888-8dd25736052a","documentDate":"2024-02-29",'
            b'"areLinesWithTax":false,"amount":12500}',
        ),
        (
            UpdateCustomerCreditRequest(amount=None, document_template_id=None),
            b'{"amount":null,"documentTemplateId":null}',
        ),
    ],
)
def test_update_customer_credit_request(body: UpdateCustomerCreditRequest, sent: bytes) -> None:
    call: Call[CustomerCredit] = prepare(SETTINGS, UPDATE_CUSTOMER_CREDIT, (ID,), fields_of(body))
    assert call.method == "PATCH"
    assert call.url == f"{BASE_URL}/v1/customer-credits/{ID}"
    assert call.headers["Content-Type"] == JSON_TYPE
    # A key of its own for each call, the same on every retry of it.
    assert UUID(call.headers["X-Idempotency-Key"]).version == 4
    assert call.content == sent


def test_seed_customer_response_parses_into_typed_fields() -> None:
    customer = Customer.from_dict(load_json("seed_customer_response.json"))
    assert customer.id == ID
    assert customer.created_at == datetime.datetime(2023, 11, 7, 5, 31, 56, tzinfo=datetime.UTC)
    assert customer.type_ is CustomerType.BUSINESS
    assert isinstance(customer.address, Address)
    assert customer.address.country is CountryCode.UNDEFINED
    assert isinstance(customer.custom_properties, list)
    (prop,) = customer.custom_properties
    assert prop is not None and prop.values is not None
    assert prop.values[0].company_id == ID


def test_seed_customer_credit_response_parses_into_typed_fields() -> None:
    credit = CustomerCredit.from_dict(load_json("seed_customer_credit_response.json"))
    assert credit.status is CustomerCreditStatus.DRAFT
    assert credit.document_date == datetime.date(2023, 12, 25)
    assert credit.amount == 123
    assert credit.lines is not None
    line = credit.lines[0]
    assert line.gross_transaction_amount is not None
    assert line.gross_transaction_amount.dc_sign is DcSign.D


def full_document(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A document with every property of ``schema`` (Light's 3.0 dialect), typical values."""
    schema = resolve(doc, schema)
    json_type = schema.get("type", "object")
    if "enum" in schema:
        return schema["enum"][-1]
    if json_type == "object":
        return {
            name: full_document(doc, prop) for name, prop in schema.get("properties", {}).items()
        }
    if json_type == "array":
        return [full_document(doc, schema["items"])]
    return {
        ("string", "uuid"): str(ID),
        ("string", "date"): "2024-02-29",
        ("string", "date-time"): "2024-02-29T23:59:58.123+01:00",
        ("string", None): "text",
        ("integer", "int64"): 2**53 + 1,  # beyond a double's precision: must stay exact
        ("integer", "int32"): 12,
        ("number", None): 1.5,
        ("boolean", None): True,
    }[(json_type, schema.get("format"))]


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/customers/{customerId}", Customer),
        ("/v1/customer-credits/{customerCreditId}", CustomerCredit),
    ],
)
def test_official_response_parses_into_python_types(
    official: dict[str, Any], path: str, model: type[Customer] | type[CustomerCredit]
) -> None:
    response = operation_schemas(official, path)[1]
    assert response is not None
    document = full_document(official, response)
    parsed = model.from_dict(document)
    _assert_python_types(official, response, parsed, path)
    assert parsed.additional_properties == {}


def _assert_python_types(doc: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> None:
    schema = resolve(doc, schema)
    if "enum" in schema:
        assert isinstance(value, StrEnum) and value.is_known, at  # type: ignore[attr-defined]
        return
    json_type = schema.get("type", "object")
    if json_type == "object":
        for name, json_name in json_names(type(value)).items():
            _assert_python_types(
                doc, schema["properties"][json_name], getattr(value, name), f"{at}.{json_name}"
            )
        return
    if json_type == "array":
        assert isinstance(value, list), at
        for item in value:
            _assert_python_types(doc, schema["items"], item, f"{at}[]")
        return
    expected = {
        ("string", "uuid"): UUID,
        ("string", "date"): datetime.date,
        ("string", "date-time"): datetime.datetime,
        ("string", None): str,
        ("integer", "int64"): int,
        ("integer", "int32"): int,
        ("number", None): float,
        ("boolean", None): bool,
    }[(json_type, schema.get("format"))]
    assert type(value) is expected, f"{at}: {type(value)} is not {expected}"


def test_unset_has_a_short_repr() -> None:
    assert repr(UNSET) == "UNSET"
    assert repr(UpdateCustomerRequest(name="Acme", email=None)).startswith(
        "UpdateCustomerRequest(name='Acme', email=None, address=UNSET, billing_address=UNSET, "
    )


def generated_classes() -> list[Any]:
    """The classes the generated models package exports: models and enums."""
    exported = (getattr(models_module, name) for name in models_module.__all__)
    return [value for value in exported if isinstance(value, type)]


def test_models_convert_in_init_and_assign_plainly() -> None:
    # Converters run where a model is built (keywords, from_dict); there are no on_setattr
    # hooks: with one, attrs gives the class a Python __setattr__ and sets every field in
    # __init__ through a call, which made building a Customer 2.4x as costly.
    models = [model for model in generated_classes() if attrs.has(model)]
    assert Customer in models and Address in models
    for model in models:
        assert model.__setattr__ is object.__setattr__, model
    address = Address(country="DK")
    assert address.country is CountryCode.DK
    parsed = Customer.from_dict({"id": str(ID), "type": "BUSINESS", "address": {"country": "DK"}})
    assert parsed.type_ is CustomerType.BUSINESS
    assert isinstance(parsed.address, Address) and parsed.address.country is CountryCode.DK
    address.country = CountryCode.SE
    assert address.to_dict() == {"country": "SE"}
    # Assigned later, a plain string is kept as given (mypy flags it) and sent as it is.
    address.country = "NO"  # type: ignore[assignment]
    assert address.country == "NO" and type(address.country) is str
    assert address.to_dict() == {"country": "NO"}
    # A value of another type is what calling the enum makes of it: a ValueError.
    with pytest.raises(ValueError, match="is not a valid CountryCode"):
        Address.from_dict({"country": ["DK"]})


def test_from_dict_looks_enum_members_up_by_value() -> None:
    enums = [enum for enum in generated_classes() if issubclass(enum, StrEnum)]
    assert CountryCode in enums and CustomerType in enums
    for enum in enums:
        assert enum._by_value == {member.value: member for member in enum}, enum
    parsed = Customer.from_dict(
        {"id": str(ID), "type": "BUSINESS", "einvoiceNetwork": "NEW_NETWORK", "status": "NEW"}
    )
    assert parsed.type_ is CustomerType.BUSINESS
    for value in (parsed.einvoice_network, parsed.status):
        assert isinstance(value, StrEnum) and not value.is_known
    assert (parsed.einvoice_network, parsed.status) == ("NEW_NETWORK", "NEW")


def test_response_ids_are_typed_as_present() -> None:
    # openapi.yaml marks `id` required on the response schemas (Light always returns it).
    for model in (Customer, CustomerCredit):
        assert model.__annotations__["id"] == "UUID"
        with pytest.raises(KeyError):
            model.from_dict({})


@pytest.mark.parametrize("model", [UpdateCustomerRequest, UpdateCustomerCreditRequest])
def test_update_keywords_are_documented_from_the_spec(
    spec: dict[str, Any], model: type[Any]
) -> None:
    # Each key of the ...Fields TypedDict (the update(...) keywords) is followed by a docstring:
    # the property's description in openapi.yaml, which editors show for the keyword.
    module = ast.parse(inspect.getsource(sys.modules[model.__module__]))
    (fields,) = [
        node
        for node in module.body
        if isinstance(node, ast.ClassDef) and node.name == f"{model.__name__}Fields"
    ]
    docs = {
        target.target.id: " ".join(ast.literal_eval(doc.value).split())
        for target, doc in itertools.pairwise(fields.body)
        if isinstance(target, ast.AnnAssign)
        and isinstance(target.target, ast.Name)
        and isinstance(doc, ast.Expr)
    }
    properties = spec["components"]["schemas"][model.__name__]["properties"]
    assert docs == {
        python_name: " ".join(properties[json_name]["description"].split())
        for python_name, json_name in json_names(model).items()
    }
