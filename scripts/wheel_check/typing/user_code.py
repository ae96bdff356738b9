"""What a user's type checker sees: checked with mypy --strict against the installed wheel."""

from __future__ import annotations

import datetime
from typing import assert_type
from uuid import UUID

from light_client import (
    NOT_GIVEN,
    UNSET,
    AsyncPaginator,
    AttemptDetails,
    LightClient,
    NotGiven,
    Page,
    RawResponse,
    SyncLightClient,
    SyncPaginator,
    Unset,
    operation_index,
    or_none,
)
from light_client.models import Address, Customer, CustomerCredit, CustomerPage, CustomerType
from light_client.testing import FakeClock

CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


async def async_user(light: LightClient) -> None:
    customer = await light.customers.update(CUSTOMER_ID, name="Acme", email=None, address=Address())
    assert_type(customer, Customer)
    assert_type(customer.id, UUID)  # always returned: typed as present
    assert_type(customer.name, str | None)  # left out or null: None
    assert_type(or_none(customer.email), str | None)
    assert_type(customer.updated_at, datetime.datetime | None)
    assert_type(customer.fields_present(), frozenset[str])
    credit = await light.customer_credits.update(UUID(CUSTOMER_ID), amount=1, description=UNSET)
    assert_type(credit, CustomerCredit)
    assert_type(credit.id, UUID)
    raw = await light.customers.with_raw_response.update(CUSTOMER_ID, type_=CustomerType.BUSINESS)
    assert_type(raw, RawResponse[Customer])
    await light.customers.update(
        CUSTOMER_ID,
        type_=CustomerType("NEW_KIND"),  # a value Light added after this SDK was generated
        timeout=5,
        max_retries=0,
        idempotency_key="order-1",
        extra_headers={"X-Source": "sync"},
        extra_body={"newField": [1, 2]},
    )


async def async_lister(light: LightClient) -> None:
    listing = light.customers.list(filter="status:eq:ACTIVE", sort="name:asc", limit=200)
    assert_type(listing, AsyncPaginator[Customer])
    async for customer in listing:
        assert_type(customer, Customer)
    page = await light.customers.list(limit=10, search_term="acme")
    assert_type(page, Page[Customer])
    assert_type(page.records, list[Customer])
    assert_type(page.next_cursor, str | None)
    async for each in light.customers.list().iter_pages():
        assert_type(each, Page[Customer])
    raw = await light.customers.with_raw_response.list(cursor="0")
    assert_type(raw, RawResponse[CustomerPage])
    created = await light.customers.create(name="Acme", idempotency_key="crm-42")
    assert_type(await light.customers.get(created.id), Customer)
    assert_type(await light.customers.archive(created.id), Customer)
    assert_type(operation_index(), dict[str, str])


def hooked(details: AttemptDetails) -> None:
    assert_type(details.status_code, int | None)


def sync_user(light: SyncLightClient) -> None:
    listing = light.customers.list(limit=5)
    assert_type(listing, SyncPaginator[Customer])
    assert_type(list(listing), list[Customer])
    assert_type(listing.first_page(), Page[Customer])
    tested = SyncLightClient(api_key="k", clock=FakeClock(), on_attempt=hooked)
    assert_type(tested.with_options(timeout=5), SyncLightClient)
    assert_type(light.customers.update(CUSTOMER_ID, name="Acme"), Customer)
    assert_type(light.customer_credits.update(CUSTOMER_ID, amount=None), CustomerCredit)
    assert_type(NOT_GIVEN, NotGiven)
    assert_type(UNSET, Unset)
