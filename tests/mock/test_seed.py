"""Seeding the mock: many generated records, or your own, through the SDK as users list them."""

from __future__ import annotations

from typing import Any

import pytest

from light_client import SyncLightClient
from light_client.mock import LightMock, Seed
from light_client.mock._seed import SEED_CUSTOMER_ID, seeded_records

ACME_ID = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def light(light_mock_sync_client: SyncLightClient) -> SyncLightClient:
    return light_mock_sync_client  # strict: every seeded record fits openapi.yaml


@pytest.mark.parametrize(
    "light_mock_seed", [Seed(customers=450, customer_credits=120, random_seed=3)]
)
def test_seeded_counts_arrive_over_pages(light: SyncLightClient, light_mock: LightMock) -> None:
    customers = list(light.customers.list(limit=200))
    credits = list(light.customer_credits.list(limit=50))
    assert (len(customers), len({c.id for c in customers})) == (450, 450)
    assert (len(credits), len({c.id for c in credits})) == (120, 120)
    assert light_mock.stats.requests == 3 + 3  # pages of 200, 200, 50; of 50, 50, 20
    # Generated, not copied: statuses from the spec, and every credit names a seeded customer.
    assert {str(c.status) for c in customers} == {"ACTIVE", "ARCHIVED"}
    names = {c.id: c.name for c in customers}
    assert all(names[c.customer_id] == c.customer_name for c in credits)  # type: ignore[index]
    assert light_mock.customer_id in {str(c.id) for c in customers}


def test_the_same_seed_gives_the_same_records() -> None:
    def ids(seed: Seed) -> dict[str, list[str]]:
        return {kind: list(found) for kind, found in seeded_records(seed).items()}

    once = ids(Seed(customers=30, customer_credits=10, random_seed=1))
    assert once == ids(Seed(customers=30, customer_credits=10, random_seed=1))
    assert once != ids(Seed(customers=30, customer_credits=10, random_seed=2))
    with LightMock(seed=Seed(customers=30, customer_credits=10, random_seed=1)) as mock:
        assert mock.customer_id == once["Customer"][0]
        assert mock.customer_credit_id == once["CustomerCredit"][0]
    # More customers keep the first ones: each is drawn in turn.
    assert ids(Seed(customers=40, random_seed=1))["Customer"][:30] == once["Customer"]


@pytest.mark.parametrize(
    "light_mock_seed",
    [
        Seed(
            customers=[
                {"id": ACME_ID, "name": "Acme ApS", "email": None, "address": {"city": "Odense"}},
                {"name": "Beta GmbH"},
            ],
            customer_credits=[{"customerId": ACME_ID, "amount": 9_900}, {}],
        )
    ],
)
def test_your_own_records_are_laid_over_generated_ones(
    light: SyncLightClient, light_mock: LightMock
) -> None:
    acme = light.customers.get(ACME_ID)
    assert (acme.name, acme.email, acme.address.to_dict()) == (  # type: ignore[union-attr]
        "Acme ApS",
        None,
        {"city": "Odense"},  # a top-level key replaces the whole value
    )
    assert acme.vat_number and acme.created_at  # the rest: generated
    (beta,) = light.customers.list(search_term="Beta GmbH")
    assert str(beta.id) != ACME_ID and light.customers.get(beta.id).name == "Beta GmbH"
    credit = light.customer_credits.get(light_mock.customer_credit_id)
    assert (str(credit.customer_id), credit.customer_name, credit.amount) == (
        ACME_ID,
        "Acme ApS",  # follows the customerId given
        9_900,
    )
    assert light_mock.customer_id == ACME_ID


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            Seed(customers=[{"name": "A"}, {"email": 5}]),
            "Seed customers[1]: email: 5 is not of type 'string', 'null'",
        ),
        (
            Seed(customers=[{"address": {"city": 42}}]),
            "Seed customers[0]: address.city: 42 is not of type 'string'",
        ),
        (
            Seed(customers=[{"nmae": "Acme"}]),
            "Seed customers[0]: Customer has no property 'nmae'; did you mean 'name'?",
        ),
        (
            Seed(customer_credits=[{"id": "not-a-uuid"}]),
            "Seed customer_credits[0]: id: 'not-a-uuid' is not a 'uuid'",
        ),
        (
            Seed(customers=[{"id": ACME_ID}, {"id": ACME_ID}]),
            f"Seed customers[1]: id {ACME_ID} is seeded twice",
        ),
    ],
)
def test_a_record_that_does_not_fit_is_named(seed: Seed, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        LightMock(seed=seed)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"customers": -1}, ValueError, "Seed customers must be >= 0, got -1"),
        ({"customers": True}, TypeError, "Seed customers must be a number or a list of dicts"),
        ({"customers": "Acme"}, TypeError, "Seed customers must be a number or a list of dicts"),
        ({"customer_credits": [1]}, TypeError, r"Seed customer_credits\[0\] must be a dict"),
    ],
)
def test_a_seed_is_checked_when_made(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}"):
        Seed(**arguments)


def test_reset_restores_the_seeded_records() -> None:
    partial = {"name": "Acme ApS"}
    with LightMock(seed=Seed(customers=[partial, *[{}] * 299])) as mock:
        seeded = mock.store.get("Customer", mock.customer_id)
        with SyncLightClient(
            api_key=mock.api_key,
            base_url=mock.base_url,
            max_requests_per_minute=None,
            strict_response_validation=True,
        ) as light:
            light.customers.update(mock.customer_id, name="Renamed")
            light.customers.archive(mock.customer_id)
            light.customers.create(name="New")
            mock.store.resources["Customer"][mock.customer_id]["email"] = "in@place.example"
            partial["name"] = "Changed after seeding"  # the seed's records are its own
            assert len(list(light.customers.list(limit=200))) == 301
            mock.reset()
            assert mock.store.get("Customer", mock.customer_id) == seeded
            assert seeded is not None and seeded["name"] == "Acme ApS"
            assert len(list(light.customers.list(limit=200))) == 300
        assert mock.stats.requests == 2  # counted since the reset: two pages


def test_a_mock_seeded_with_nothing_has_nothing() -> None:
    with LightMock(seed=Seed()) as mock:
        assert mock.store.resources == {"Customer": {}, "CustomerCredit": {}}
        with pytest.raises(LookupError, match="seeded with no Customer"):
            _ = mock.customer_id
    with LightMock() as mock:  # without a seed: the docs' records
        assert (mock.customer_id, len(mock.store.resources["Customer"])) == (SEED_CUSTOMER_ID, 2)
