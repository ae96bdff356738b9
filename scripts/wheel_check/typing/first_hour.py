"""A user's first hour, checked by mypy --strict and pyright strict against the installed wheel.

Async and sync calls, a list field passed as a ``list[str]`` and as a tuple, a response field
read after a ``None`` check, and one deliberate enum typo: the only error either checker may
report. Its line carries mypy's code and pyright's rule; ``scripts/check_wheel.py`` also checks
this file with both comments removed and requires that exactly this line is reported.
"""

from __future__ import annotations

from light_client import LightClient, SyncLightClient
from light_client.models import CustomerType

CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


async def async_calls(light: LightClient) -> str:
    emails: list[str] = ["billing@example.com", "cfo@example.com"]
    customer = await light.customers.update(CUSTOMER_ID, cc_emails=emails, type_="BUSINESS")
    customer = await light.customers.update(CUSTOMER_ID, recipient_emails=("ap@example.com",))
    if customer.name is not None:
        return customer.name.upper()
    await light.customers.update(CUSTOMER_ID, type_="BUSINES")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    return ""


def sync_calls(light: SyncLightClient) -> str | None:
    customer = light.customers.update(CUSTOMER_ID, type_=CustomerType.CONSUMER, email=None)
    for listed in light.customers.list(limit=10):
        if listed.address is not None and listed.address.city is not None:
            return listed.address.city.title()
    return customer.name
