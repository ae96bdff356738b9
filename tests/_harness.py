"""Run the same test through ``LightClient`` and ``SyncLightClient`` (and ``LightClient`` on
its aiohttp pool: kind ``"aiohttp"``)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from light_client import LightClient, RawResponse, SyncLightClient
from light_client.models import Customer, CustomerCredit

Kind = Literal["async", "sync", "aiohttp"]
CUSTOMER_ID = UUID("3c90c3cc-0d44-4b50-8888-8dd25736052a")
CREDIT_ID = UUID("9b2f1f7e-3f43-4d8e-a9d4-5a8f1d2c3b4a")
BASE_URL = "https://api.light.inc"
CUSTOMER_URL = f"{BASE_URL}/v1/customers/{CUSTOMER_ID}"
CREDIT_URL = f"{BASE_URL}/v1/customer-credits/{CREDIT_ID}"


class Light:
    """One client of either kind, with awaitable methods whatever the kind."""

    def __init__(self, kind: Kind, **options: Any) -> None:
        self.kind = kind
        self.client: LightClient | SyncLightClient
        if kind == "sync":
            self.client = SyncLightClient(**options)
        else:
            self.client = LightClient(**options, transport="httpx" if kind == "async" else kind)

    @classmethod
    def wrap(cls, kind: Kind, client: LightClient | SyncLightClient) -> Light:
        """A ``Light`` around a client made elsewhere (``with_options``)."""
        light = cls.__new__(cls)
        light.kind, light.client = kind, client
        return light

    async def update_customer(self, customer_id: Any = CUSTOMER_ID, **params: Any) -> Customer:
        if isinstance(self.client, LightClient):
            return await self.client.customers.update(customer_id, **params)
        return self.client.customers.update(customer_id, **params)

    async def update_credit(self, credit_id: Any = CREDIT_ID, **params: Any) -> CustomerCredit:
        if isinstance(self.client, LightClient):
            return await self.client.customer_credits.update(credit_id, **params)
        return self.client.customer_credits.update(credit_id, **params)

    async def raw_update_customer(
        self, customer_id: Any = CUSTOMER_ID, **params: Any
    ) -> RawResponse[Customer]:
        if isinstance(self.client, LightClient):
            return await self.client.customers.with_raw_response.update(customer_id, **params)
        return self.client.customers.with_raw_response.update(customer_id, **params)

    async def close(self) -> None:
        if isinstance(self.client, LightClient):
            await self.client.aclose()
        else:
            self.client.close()
