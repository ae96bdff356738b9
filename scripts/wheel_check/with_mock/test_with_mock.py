"""A user's test suite that uses the Light mock's pytest fixtures (light-inc[mock])."""

from __future__ import annotations

import asyncio

import pytest

from light_client import LightClient, NotFoundError, SyncLightClient
from light_client.mock import DEFAULT_API_KEY, LightMock, Seed


def test_rename_over_the_fixture_url(light_mock_url: str) -> None:
    with SyncLightClient(api_key=DEFAULT_API_KEY, base_url=light_mock_url) as light:
        customer = light.customers.update("5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01", name="Renamed")
    assert customer.name == "Renamed"


def test_async_update_is_stored(light_mock: LightMock) -> None:
    async def main() -> None:
        async with LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url) as light:
            credit = await light.customer_credits.update(
                light_mock.customer_credit_id, amount=12_500, description=None
            )
            assert (credit.amount, credit.description) == (12_500, None)

    asyncio.run(main())
    stored = light_mock.store.get("CustomerCredit", light_mock.customer_credit_id)
    assert stored is not None
    assert (stored["amount"], stored["description"]) == (12_500, None)


def test_unknown_customer_is_not_found(light_mock: LightMock) -> None:
    with SyncLightClient(api_key=light_mock.api_key, base_url=light_mock.base_url) as light:
        try:
            light.customers.update("00000000-0000-4000-8000-000000000000", name="Nobody")
        except NotFoundError as error:
            assert (error.status_code, error.type) == (404, "NOT_FOUND")
        else:
            raise AssertionError("no NotFoundError")


@pytest.mark.parametrize("light_mock_seed", [Seed(customers=[{"name": "Acme ApS"}, {}])])
def test_the_seeded_mock_and_its_strict_clients(
    light_mock_sync_client: SyncLightClient, light_mock_client: LightClient, light_mock: LightMock
) -> None:
    names = [str(c.name) for c in light_mock_sync_client.customers.list(search_term="Acme")]
    assert names == ["Acme ApS"]

    async def main() -> int:
        return len([c async for c in light_mock_client.customers.list()])

    assert asyncio.run(main()) == len(light_mock.store.resources["Customer"]) == 2
