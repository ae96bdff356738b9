"""The unset/null helpers, case by case."""

from __future__ import annotations

import datetime
import json
from uuid import UUID

import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    UNSET,
    SyncLightClient,
    fields_from_mapping,
    minimal_update,
    or_none,
    request_body,
)
from light_client.models import (
    Address,
    CountryCode,
    Customer,
    CustomerType,
    UpdateCustomerCreditRequest,
    UpdateCustomerRequest,
)
from tests.conftest import load_json

ID = UUID("3c90c3cc-0d44-4b50-8888-8dd25736052a")


def test_fields_from_mapping_takes_json_and_python_keys() -> None:
    row = {
        "vatNumber": "DK1",
        "email": None,
        "business_registration_number": "12",
        "type": "CONSUMER",
    }
    assert fields_from_mapping(UpdateCustomerRequest, row) == {
        "email": None,
        "vat_number": "DK1",
        "business_registration_number": "12",
        "type_": CustomerType.CONSUMER,
    }


def test_fields_from_mapping_converts_nested_dates_and_ids() -> None:
    fields = fields_from_mapping(
        UpdateCustomerCreditRequest,
        {"documentDate": "2026-11-21", "customerId": str(ID), "amount": 12_500},
    )
    assert fields == {
        "customer_id": ID,
        "document_date": datetime.date(2026, 11, 21),
        "amount": 12_500,
    }
    nested = fields_from_mapping(
        UpdateCustomerRequest, {"address": {"country": "DK", "city": "Aarhus"}}
    )
    assert nested == {"address": Address(country=CountryCode.DK, city="Aarhus")}
    models = fields_from_mapping(UpdateCustomerRequest, {"address": Address(city="Vejle")})
    assert models == {"address": Address(city="Vejle")}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("nmae", "UpdateCustomerRequest has no field 'nmae'; did you mean 'name'?"),
        ("vat_numbr", "UpdateCustomerRequest has no field 'vat_numbr'; did you mean 'vat_number'?"),
        ("VATNumber", "UpdateCustomerRequest has no field 'VATNumber'; did you mean 'vat_number'?"),
        ("colour", "UpdateCustomerRequest has no field 'colour'"),
    ],
)
def test_typo_names_the_key_and_the_closest_field(key: str, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        fields_from_mapping(UpdateCustomerRequest, {key: "x"})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"amount": "12"},
            "UpdateCustomerCreditRequest: amount: '12' is not of type 'integer', 'null'",
        ),
        (
            {"documentDate": "2026-02-30"},
            "UpdateCustomerCreditRequest: documentDate: '2026-02-30' is not a 'date'",
        ),
        ({"customerId": "nope"}, "UpdateCustomerCreditRequest: customerId: 'nope' is not a 'uuid'"),
    ],
)
def test_wrong_values_name_their_path(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        fields_from_mapping(UpdateCustomerCreditRequest, data)
    assert str(caught.value) == message


def test_minimal_update() -> None:
    last_seen = Customer.from_dict(load_json("seed_customer_response.json"))
    assert last_seen.email == "<string>"
    wanted = {
        "name": "<string>",  # unchanged: not sent
        "email": "",  # emptied: sent as null
        "vatNumber": "DK99",  # changed
        "address": {"city": "Aarhus"},  # one nested field changed: sent whole
        "type": "BUSINESS",  # unchanged enum
    }
    update = minimal_update(UpdateCustomerRequest, last_seen, wanted)
    assert json.loads(request_body(UpdateCustomerRequest(**update))) == {
        "email": None,
        "vatNumber": "DK99",
        "address": {
            "country": "UNDEFINED",
            "city": "Aarhus",
            "state": "<string>",
            "zipcode": "<string>",
            "street": "<string>",
            "street2": "<string>",
        },
    }
    same_address = minimal_update(
        UpdateCustomerRequest, last_seen, {"address": {"city": "<string>"}}
    )
    assert same_address == {}


def test_or_none() -> None:
    customer = Customer(id=UUID("5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"), name="Acme", email=None)
    assert or_none(customer.name) == "Acme"
    assert or_none(customer.email) is None
    assert or_none(customer.vat_number) is None
    assert or_none(UNSET) is None


def test_request_body_is_the_bytes_sent(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=load_json("seed_customer_response.json"))
    fields = fields_from_mapping(UpdateCustomerRequest, {"name": "Æble", "email": None})
    with SyncLightClient(api_key="k") as light:
        light.customers.update(ID, **fields)
    assert (
        request_body(UpdateCustomerRequest(**fields)).encode()
        == httpx_mock.get_requests()[0].content
    )
    assert request_body(UpdateCustomerRequest()) == "{}"


def test_docstring_examples() -> None:
    import doctest

    from light_client._runtime import patch as _patch

    result = doctest.testmod(_patch)
    assert (result.attempted, result.failed) == (6, 0)
