"""Quickstart: update a customer and a customer credit, and catch an error.

Reads LIGHT_API_KEY and LIGHT_BASE_URL (like every LightClient), and the ids to update from
CUSTOMER_ID and CUSTOMER_CREDIT_ID. `make demo` runs it against the embedded Light mock.
"""

from __future__ import annotations

import asyncio
import os
import uuid

from light_client import (
    UNSET,
    LightClient,
    NotFoundError,
    or_none,
    request_body,
)
from light_client.models import (
    Address,
    CountryCode,
    UpdateCustomerRequest,
    UpdateCustomerRequestFields,
)


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}")


async def main() -> None:
    customer_id = os.environ["CUSTOMER_ID"]
    credit_id = os.environ["CUSTOMER_CREDIT_ID"]
    async with LightClient() as light:  # credentials and base URL from the environment
        print(f"Light at {light.base_url}")

        step(1, "Update a customer: set the name and address, clear the email, leave the rest")
        changes: UpdateCustomerRequestFields = {
            "name": "Nordlys Holding ApS",
            "email": None,  # None: sent as null, so Light clears it
            "description": UNSET,  # UNSET (the default): not sent, so Light keeps it
            "address": Address(country=CountryCode.DK, city="Aarhus", zipcode="8000"),
        }
        print("   sends:", request_body(UpdateCustomerRequest(**changes)))
        customer = await light.customers.update(customer_id, **changes)
        print(f"   name={customer.name!r} email={or_none(customer.email)!r}")
        print(f"   description kept: {or_none(customer.description)!r}")
        print(f"   updatedAt={customer.updated_at}")

        step(2, "Update a customer credit: set the amount, clear the description")
        raw = await light.customer_credits.with_raw_response.update(
            credit_id, amount=9_900, description=None
        )
        credit = raw.parsed
        print(f"   HTTP {raw.status_code}, {raw.attempts} attempt(s)")
        print(
            f"   amount={credit.amount} {credit.currency} description={or_none(credit.description)!r}"
        )
        print(f"   status={credit.status}")

        step(3, "An unknown id raises NotFoundError")
        try:
            await light.customers.update(uuid.UUID(int=0), name="Nobody")
        except NotFoundError as error:
            print(f"   caught NotFoundError: {error}")
            print(f"   status_code={error.status_code} type={error.type}")


if __name__ == "__main__":
    asyncio.run(main())
