"""The Customers tag whole, through the SDK against the mock over real sockets."""

from __future__ import annotations

import asyncio

import pytest

from light_client import BadRequestError, LightClient, NotFoundError, SyncLightClient
from light_client.mock import LightMock


@pytest.fixture
def light(light_mock_sync_client: SyncLightClient) -> SyncLightClient:
    return light_mock_sync_client  # the plugin's: strict, on light_mock


def test_create_then_find_it_by_filter_and_search(light: SyncLightClient) -> None:
    created = light.customers.create(name="Acme ApS", email="ap@acme.example", vat_number="DK1")
    assert (created.status, created.name) == ("ACTIVE", "Acme ApS")
    assert light.customers.get(created.id).email == "ap@acme.example"
    by_email = list(light.customers.list(filter="email:eq:ap@acme.example"))
    assert [customer.id for customer in by_email] == [created.id]
    by_term = [customer.name for customer in light.customers.list(search_term="acme")]
    assert by_term == ["Acme ApS"]


def test_archive_and_activate(light: SyncLightClient, light_mock: LightMock) -> None:
    assert light.customers.archive(light_mock.customer_id).status == "ARCHIVED"
    archived = list(light.customers.list(filter="status:eq:ARCHIVED"))
    assert [str(customer.id) for customer in archived] == [light_mock.customer_id]
    assert light.customers.activate(light_mock.customer_id).status == "ACTIVE"
    with pytest.raises(NotFoundError):
        light.customers.archive("00000000-0000-4000-8000-000000000000")


def test_many_records_over_pages_each_once_sorted(
    light: SyncLightClient, light_mock: LightMock
) -> None:
    for n in range(7):
        light.customers.create(name=f"n{n:02d}")
    names = [str(c.name) for c in light.customers.list(sort="name:desc", limit=3)]
    assert names == sorted(names, reverse=True) and len(names) == 9  # with the two seeded
    assert len(set(names)) == 9
    assert light_mock.stats.requests == 7 + 3  # the creates, then three pages of three


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"limit": 201}, "limit"),
        ({"cursor": "not-ours"}, "cursor"),
        ({"filter": "x:eq:1"}, "filter"),
    ],
)
def test_a_bad_listing_is_a_400_naming_the_parameter(
    light: SyncLightClient, params: dict[str, object], path: str
) -> None:
    with pytest.raises(BadRequestError) as caught:
        light.customers.list(**params).first_page()  # type: ignore[arg-type]
    assert path in str(caught.value)


def test_the_async_client_lists_too(light_mock_client: LightClient) -> None:
    async def names() -> list[str]:
        first = await light_mock_client.customers.list(limit=1)
        assert first.has_more and first.next_cursor is not None
        return [str(customer.name) async for customer in light_mock_client.customers.list(limit=1)]

    assert asyncio.run(names()) == ["Nordlys ApS", "Fjord Consulting"]
