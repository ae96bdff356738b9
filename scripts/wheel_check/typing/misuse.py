"""Misuses a user's type checker must flag: one per line, each with the error code mypy gives.

mypy --strict reports an unused ``# type: ignore``, so this file passes only when every line
below is flagged, and with exactly the code in its comment; pyright strict likewise, with the
rules in each line's ``# pyright: ignore[...]`` (scripts/check_wheel.py has it honour only
those, and report one that nothing needs).
"""

from __future__ import annotations

from light_client import UNSET, LightClient, SyncLightClient, or_none
from light_client.models import Address, Customer

CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


async def misuses(light: LightClient) -> None:
    await light.customers.update(CUSTOMER_ID, nmae="Acme")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(CUSTOMER_ID, type_="BUSINES")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(CUSTOMER_ID, name=42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customer_credits.update(CUSTOMER_ID, amount="12")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(CUSTOMER_ID, timeout="soon")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(CUSTOMER_ID, max_retries=UNSET)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(CUSTOMER_ID, extra_body=["x"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await light.customers.update(12345)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    customer = await light.customers.update(CUSTOMER_ID, address=Address(country=45))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    print(customer.nmae)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownArgumentType]
    customer.name.upper()  # type: ignore[union-attr]  # pyright: ignore[reportOptionalMemberAccess]
    or_none(customer.email) + "!"  # type: ignore[operator]  # pyright: ignore[reportOptionalOperand, reportUnusedExpression]
    not_awaited: Customer = light.customers.update(CUSTOMER_ID)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    print(not_awaited)


def construction() -> None:
    LightClient(api_key=123)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    SyncLightClient(max_retry=2)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    Customer(id="not-a-uuid")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
