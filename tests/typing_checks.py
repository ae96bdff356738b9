"""Typing tests: checked by mypy (`make typecheck`), never run.

mypy --strict reports an unused ``# type: ignore``; so each ignore below proves that mypy does
flag the line it is on (an unknown keyword, a wrongly typed field, an enum value with a typo).
An unknown keyword is an ``arg-type`` error: every method ends in ``**unknown: Never``, where
the runtime finds the keyword to name the closest field.
"""

from __future__ import annotations

from typing import assert_type
from uuid import UUID

from light_client import (
    NOT_GIVEN,
    UNSET,
    BulkJournal,
    BulkResult,
    LightClient,
    NotGiven,
    RawResponse,
    SyncLightClient,
    Unset,
)
from light_client.models import Address, Customer, CustomerCredit, CustomerType

CUSTOMER_ID = UUID("3c90c3cc-0d44-4b50-8888-8dd25736052a")


async def async_surface(light: LightClient) -> None:
    customer = await light.customers.update(CUSTOMER_ID, name="Acme", email=None, address=Address())
    assert_type(customer, Customer)
    credit = await light.customer_credits.update(str(CUSTOMER_ID), amount=12_500, description=UNSET)
    assert_type(credit, CustomerCredit)
    raw = await light.customers.with_raw_response.update(CUSTOMER_ID, type_=CustomerType.BUSINESS)
    assert_type(raw, RawResponse[Customer])
    assert_type(raw.parsed, Customer)
    raw_credit = await light.customer_credits.with_raw_response.update(CUSTOMER_ID, amount=None)
    assert_type(raw_credit.parsed, CustomerCredit)
    await light.customers.update(CUSTOMER_ID, timeout=5, max_retries=0, idempotency_key="k")
    await light.customers.update(CUSTOMER_ID, type_="CONSUMER")  # the enum's values as strings
    await light.customers.update(CUSTOMER_ID, type_=CustomerType("NEW_KIND"))  # a newer value
    await light.customers.update(CUSTOMER_ID, cc_emails=("a@example.com",))  # any sequence
    emails: list[str] = ["a@example.com"]
    await light.customers.update(CUSTOMER_ID, recipient_emails=emails, cc_emails=emails)
    assert_type(customer.name, str | None)  # an answer's field: absent or null read as None
    assert_type(customer.fields_present(), frozenset[str])

    await light.customers.update(CUSTOMER_ID, type_="BUSINES")  # type: ignore[arg-type]
    await light.customers.update(CUSTOMER_ID, nmae="Acme")  # type: ignore[arg-type]
    await light.customers.get(CUSTOMER_ID, idempotency_key="k")  # type: ignore[arg-type]
    await light.customers.update(CUSTOMER_ID, name=42)  # type: ignore[arg-type]
    await light.customer_credits.update(CUSTOMER_ID, amount="12")  # type: ignore[arg-type]
    await light.customers.update(CUSTOMER_ID, timeout="soon")  # type: ignore[arg-type]


def sync_surface(light: SyncLightClient) -> None:
    assert_type(light.customers.update(CUSTOMER_ID, name="Acme"), Customer)
    assert_type(light.customer_credits.update(CUSTOMER_ID, amount=1), CustomerCredit)
    raw = light.customers.with_raw_response.update(CUSTOMER_ID)
    assert_type(raw, RawResponse[Customer])
    light.customers.update(CUSTOMER_ID, nmae="Acme")  # type: ignore[arg-type]


def sentinels() -> None:
    assert_type(UNSET, Unset)
    assert_type(NOT_GIVEN, NotGiven)


async def bulk_surface(light: LightClient, sync_light: SyncLightClient) -> None:
    rows = [(CUSTOMER_ID, {"name": "Acme"}), (CUSTOMER_ID, {"address": Address(city="Vejle")})]
    async for result in light.customers.update_many(rows, concurrency=2, journal="job.sqlite3"):
        assert_type(result, BulkResult[Customer])
        assert_type(result.model, Customer | None)
        assert_type(result.error, Exception | None)
    for credit in sync_light.customer_credits.update_many(rows, journal=BulkJournal("j")):
        assert_type(credit, BulkResult[CustomerCredit])

    light.customers.update_many(rows, 2)  # type: ignore[call-arg]
    sync_light.customers.update_many(rows, concurrency="2")  # type: ignore[arg-type]
