"""What a user's type checker sees: checked with mypy --strict against the installed wheel."""

from __future__ import annotations

import datetime
from typing import assert_type
from uuid import UUID

from light_client import (
    NOT_GIVEN,
    UNSET,
    LightClient,
    NotGiven,
    RawResponse,
    SyncLightClient,
    Unset,
    or_none,
)
from light_client.models import Address, Customer, CustomerCredit, CustomerType

CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


async def async_user(light: LightClient) -> None:
    customer = await light.customers.update(CUSTOMER_ID, name="Acme", email=None, address=Address())
    assert_type(customer, Customer)
    assert_type(customer.id, UUID)  # always returned: typed as present
    assert_type(customer.name, str | Unset)
    assert_type(or_none(customer.email), str | None)
    assert_type(customer.updated_at, datetime.datetime | Unset)
    credit = await light.customer_credits.update(UUID(CUSTOMER_ID), amount=1, description=UNSET)
    assert_type(credit, CustomerCredit)
    assert_type(credit.id, UUID)
    raw = await light.customers.with_raw_response.update(CUSTOMER_ID, type_=CustomerType.BUSINESS)
    assert_type(raw, RawResponse[Customer])
    await light.customers.update(
        CUSTOMER_ID,
        type_="NEW_KIND",
        timeout=5,
        max_retries=0,
        idempotency_key="order-1",
        extra_headers={"X-Source": "sync"},
        extra_body={"newField": [1, 2]},
    )


def sync_user(light: SyncLightClient) -> None:
    assert_type(light.customers.update(CUSTOMER_ID, name="Acme"), Customer)
    assert_type(light.customer_credits.update(CUSTOMER_ID, amount=None), CustomerCredit)
    assert_type(NOT_GIVEN, NotGiven)
    assert_type(UNSET, Unset)
