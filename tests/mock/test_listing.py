"""The mock's listing (``_listing.page``) on plain records, and the grammar openapi.yaml gives
its query parameters, checked by the mock before a page is made."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from light_client.mock import LightMock
from light_client.mock._http import Refusal
from light_client.mock._listing import page

RECORDS: list[dict[str, Any]] = [
    {"id": "1", "name": "Nine", "amount": 9, "billingAddress": {"city": "Odense"}},
    {"id": "2", "name": "Ten", "amount": 10, "billingAddress": None, "customerId": "c-2"},
    {"id": "3", "name": "Hundred", "amount": 100, "areLinesWithTax": True},
    {"id": "4", "name": "None", "amount": None},
]


def ids(query: str) -> list[str]:
    return [record["id"] for record in page(RECORDS, query)["records"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Numbers by value (as text, 10 and 100 would come before 9), null last.
        ("sort=amount:asc", ["1", "2", "3", "4"]),
        ("sort=amount:desc", ["4", "3", "2", "1"]),
        ("sort=name:asc", ["3", "1", "4", "2"]),
        ("filter=amount:gt:9", ["2", "3"]),
        ("filter=amount:gte:10,amount:lte:10", ["2"]),
        ("filter=amount:lt:10", ["1"]),  # null is neither above nor below
        ("filter=name:gte:O", ["2"]),  # text compares as text
        ("filter=amount:gt:many", []),  # not a number: no amount is above it
        ("filter=amount:eq:null", ["4"]),
        ("filter=areLinesWithTax:eq:true", ["3"]),  # JSON's spelling
        ("filter=amount:in:9|100", ["1", "3"]),
        ("filter=amount:not_in:9|100", ["2", "4"]),
        # Light's names for what the record holds under another name or nested.
        ("filter=billingAddressCity:eq:Odense", ["1"]),
        ("filter=businessPartnerId:eq:c-2", ["2"]),
        ("filter=postingDate:eq:null", ["1", "2", "3", "4"]),  # not on these records
    ],
)
def test_filters_and_sorts(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


def test_an_unknown_operator_is_a_400_naming_the_filter() -> None:
    with pytest.raises(Refusal) as refused:
        page(RECORDS, "filter=amount:about:9")
    assert refused.value.status == 400
    assert refused.value.body["errors"][0]["path"] == ["filter"]


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/v1/customers", "sort=amount:asc", "sort"),  # a credit's field, not a customer's
        ("/v1/customers", "filter=name:like:N", "filter"),
        ("/v1/customers", "filter=name", "filter"),
        ("/v1/customers", "searchTerm=", "searchTerm"),
        ("/v1/customers", "cursor=", "cursor"),
        ("/v1/customer-credits", "filter=email:eq:x", "filter"),  # a customer's field
        ("/v1/customer-credits", "sort=", "sort"),
    ],
)
def test_the_spec_states_the_grammar_and_no_empty_values(
    light_mock_shared: LightMock, path: str, query: str, parameter: str
) -> None:
    headers = {"Authorization": f"Basic {light_mock_shared.api_key}"}
    answer = httpx.get(f"{light_mock_shared.base_url}{path}?{query}", headers=headers)
    assert answer.status_code == 400
    assert [error["path"] for error in answer.json()["errors"]] == [[parameter]]


@pytest.mark.parametrize(
    ("path", "query", "count"),
    [
        ("/v1/customers", "filter=billingAddressCity:eq:null,createdAt:lte:2026-12-31", 2),
        ("/v1/customers", "filter=billingAddressCity:eq:Aarhus", 0),
        ("/v1/customers", "sort=updatedAt:desc,name:asc", 2),
        ("/v1/customer-credits", "filter=businessPartnerId:ne:x,einvoiceStatus:eq:null", 1),
        ("/v1/customer-credits", "filter=currency:in:DKK|EUR,documentDate:gte:2026-01-16", 0),
        ("/v1/customer-credits", "sort=amount:desc,businessPartnerName:asc,postingDate:asc", 1),
    ],
)
def test_every_documented_field_is_served(
    light_mock_shared: LightMock, path: str, query: str, count: int
) -> None:
    headers = {"Authorization": f"Basic {light_mock_shared.api_key}"}
    answer = httpx.get(f"{light_mock_shared.base_url}{path}?{query}", headers=headers)
    assert (answer.status_code, len(answer.json().get("records", []))) == (200, count)
