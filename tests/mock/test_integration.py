"""Both clients against the embedded Light mock over real loopback sockets."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest

from light_client import (
    UNSET,
    AuthenticationError,
    BadRequestError,
    LightClient,
    NotFoundError,
    UnprocessableEntityError,
)
from light_client._pytest_plugin import UNPACED_LIMIT
from light_client.mock import Faults, LightMock, RateLimit
from light_client.models import Address, CountryCode, CustomerCreditStatus
from light_client.testing import instant_waits
from tests._harness import Kind, Light

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def light(kind: Kind, light_mock: LightMock) -> AsyncIterator[Light]:
    client = Light(
        kind,
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        strict_response_validation=True,
    )
    yield client
    await client.close()


async def test_customer_set_clear_and_leave_unchanged(light: Light, light_mock: LightMock) -> None:
    before = light_mock.store.get("Customer", light_mock.customer_id)
    assert before is not None
    customer = await light.update_customer(
        light_mock.customer_id,
        name="Nordlys Holding ApS",
        email=None,
        description=UNSET,
        address=Address(country=CountryCode.SE, city="Malmö"),
    )
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert stored is not None
    assert stored["name"] == customer.name == "Nordlys Holding ApS"
    assert stored["email"] is customer.email is None
    assert stored["description"] == customer.description == before["description"]
    assert stored["vatNumber"] == before["vatNumber"]
    assert stored["address"] == {"country": "SE", "city": "Malmö"}
    assert stored["updatedAt"] > before["updatedAt"]
    assert isinstance(customer.updated_at, datetime.datetime)
    assert customer.updated_at.isoformat().startswith(stored["updatedAt"][:19])


async def test_credit_set_clear_and_leave_unchanged(light: Light, light_mock: LightMock) -> None:
    before = light_mock.store.get("CustomerCredit", light_mock.customer_credit_id)
    assert before is not None
    credit = await light.update_credit(
        light_mock.customer_credit_id, amount=9_900, description=None, document_number=UNSET
    )
    stored = light_mock.store.get("CustomerCredit", light_mock.customer_credit_id)
    assert stored is not None
    assert (stored["amount"], credit.amount) == (9_900, 9_900)
    assert stored["description"] is credit.description is None
    assert stored["currency"] == before["currency"] == credit.currency
    assert credit.status is CustomerCreditStatus.DRAFT
    assert stored["lines"] == before["lines"]


async def test_invalid_body_is_a_400_with_the_path(light: Light, light_mock: LightMock) -> None:
    bad_address = Address(country=CountryCode.DK, city=42)  # type: ignore[arg-type]
    # A value the spec rules out is stopped by the SDK, before anything is sent ...
    with pytest.raises(ValueError, match=r"^UpdateCustomerRequest: address\.city: 42 is not"):
        await light.update_customer(light_mock.customer_id, address=bad_address)
    # (a null name too: a customer always has one, and openapi.yaml says so) ...
    with pytest.raises(ValueError, match=r"^UpdateCustomerRequest: name: None is not of type"):
        await light.update_customer(light_mock.customer_id, name=None)
    assert light_mock.stats.requests == 0
    # ... and what only the server knows comes back as a 400 naming the field.
    with pytest.raises(BadRequestError) as read_only:
        await light.update_customer(light_mock.customer_id, extra_body={"status": "ARCHIVED"})
    assert read_only.value.field_errors == {"status": "is read-only"}
    assert light_mock.stats.applied == {}


async def test_bad_key_is_an_authentication_error(kind: Kind, light_mock: LightMock) -> None:
    light = Light(
        kind, api_key="sk_wrong", base_url=light_mock.base_url, strict_response_validation=True
    )
    with pytest.raises(AuthenticationError, match="401 UNAUTHORIZED"):
        await light.update_customer(light_mock.customer_id, name="x")
    await light.close()


async def test_unknown_id_is_not_found(light: Light) -> None:
    with pytest.raises(NotFoundError) as caught:
        await light.update_customer(UNKNOWN_ID, name="x")
    assert caught.value.type == "NOT_FOUND"


async def test_idempotent_replay_is_applied_once(light: Light, light_mock: LightMock) -> None:
    first = await light.update_credit(
        light_mock.customer_credit_id, amount=1, idempotency_key="k-1"
    )
    replay = await light.update_credit(
        light_mock.customer_credit_id, amount=1, idempotency_key="k-1"
    )
    assert first.updated_at == replay.updated_at
    assert light_mock.stats.applied["k-1"] == 1
    with pytest.raises(UnprocessableEntityError, match="different body"):
        await light.update_credit(light_mock.customer_credit_id, amount=2, idempotency_key="k-1")


async def test_dropped_answers_are_retried_and_applied_once(kind: Kind) -> None:
    with LightMock(faults=Faults(dropped=0.5, server_errors=0.2, seed=7)) as mock, instant_waits():
        light = Light(
            kind,
            api_key=mock.api_key,
            base_url=mock.base_url,
            max_retries=8,
            strict_response_validation=True,
        )
        for n in range(20):
            await light.update_customer(mock.customer_id, name=f"name {n}")
        await light.close()
        stored = mock.store.get("Customer", mock.customer_id)
    assert stored is not None and stored["name"] == "name 19"
    assert len(mock.stats.applied) == 20
    assert set(mock.stats.applied.values()) == {1}
    assert mock.stats.requests > 20  # faults happened and were ridden out


async def test_redirects_from_the_server_are_followed(kind: Kind) -> None:
    with LightMock(faults=Faults(redirect=307)) as mock:
        light = Light(
            kind, api_key=mock.api_key, base_url=mock.base_url, strict_response_validation=True
        )
        customer = await light.update_customer(mock.customer_id, name="moved")
        await light.close()
    assert customer.name == "moved"
    assert mock.stats.statuses[307] == 1 and mock.stats.statuses[200] == 1


async def test_concurrent_updates_under_a_rate_limit(
    light_mock: LightMock, record_property: Any
) -> None:
    """The server allows 40 requests per second: 120 concurrent updates (three windows' worth)
    still all succeed, each applied once.

    Client pacing of its own is off: the server's per-second window is learnt from its
    X-RateLimit-* headers, and its 429s pause the whole client until each reset.
    """
    light_mock.rate_limit = RateLimit(limit=40, window=1.0)
    async with LightClient(
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
    ) as light:
        customers = await asyncio.gather(
            *(light.customers.update(light_mock.customer_id, name=f"n{n}") for n in range(120))
        )
    too_many = light_mock.stats.statuses[429]
    record_property("rate_limited_answers", too_many)
    print(f"\n120 concurrent updates: {too_many} answers of 429 from the server")
    assert len(customers) == 120
    assert len(light_mock.stats.applied) == 120
    assert set(light_mock.stats.applied.values()) == {1}
    assert light_mock.stats.statuses[200] == 120


def test_concurrent_sync_updates_under_a_rate_limit(light_mock: LightMock) -> None:
    """The same through SyncLightClient shared by 20 threads: 75 updates, three windows."""
    from concurrent.futures import ThreadPoolExecutor

    from light_client import SyncLightClient

    light_mock.rate_limit = RateLimit(limit=25, window=1.0)
    with (
        SyncLightClient(
            api_key=light_mock.api_key,
            base_url=light_mock.base_url,
            max_requests_per_minute=None,
            strict_response_validation=True,
        ) as light,
        ThreadPoolExecutor(max_workers=20) as pool,
    ):
        names = list(
            pool.map(
                lambda n: light.customers.update(light_mock.customer_id, name=f"s{n}").name,
                range(75),
            )
        )
    assert sorted(str(name) for name in names) == sorted(f"s{n}" for n in range(75))
    assert len(light_mock.stats.applied) == 75
    assert set(light_mock.stats.applied.values()) == {1}
    # Every request was either applied or answered 429 (and sent again): nothing else.
    assert light_mock.stats.requests == 75 + light_mock.stats.statuses[429]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "error_path"),
    [
        ("/v1/customers/not-a-uuid", b"{}", {"Authorization": "Basic {key}"}, 400, ["customerId"]),
        ("/v1/customers/{customer}", b"{}", {}, 401, None),
        ("/v1/customers/{customer}", b"{}", {"Authorization": "Bearer nope"}, 401, None),
        ("/v1/customers/{customer}", b"not json", {"Authorization": "Basic {key}"}, 400, None),
        (
            "/v1/customer-credits/{credit}",
            b'{"amount": "1"}',
            {"Authorization": "Basic {key}"},
            400,
            ["amount"],
        ),
    ],
)
def test_mock_contract_over_raw_http(
    light_mock: LightMock,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    error_path: list[str] | None,
) -> None:
    import httpx

    url = light_mock.base_url + path.format(
        customer=light_mock.customer_id, credit=light_mock.customer_credit_id
    )
    sent = {name: value.format(key=light_mock.api_key) for name, value in headers.items()}
    answer = httpx.patch(
        url, content=body, headers={"Content-Type": "application/json;charset=UTF-8", **sent}
    )
    assert answer.status_code == status
    assert answer.headers["X-RateLimit-Limit"] == str(UNPACED_LIMIT)  # the plugin's mock
    error = answer.json()
    assert error["type"] == ("BAD_REQUEST" if status == 400 else "UNAUTHORIZED")
    if error_path is not None:
        assert error["errors"][0]["path"] == error_path


async def test_cancelling_an_in_flight_request_leaks_no_connection() -> None:
    with LightMock(faults=Faults(latency=3.0)) as mock:
        async with LightClient(
            api_key=mock.api_key, base_url=mock.base_url, strict_response_validation=True
        ) as light:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    await light.customers.update(mock.customer_id, name="never answered")
            pool = light._http._transport._pool  # type: ignore[attr-defined]
            assert [c for c in pool.connections if not (c.is_idle() or c.is_closed())] == []
            mock.faults.latency = 0.0
            customer = await light.customers.update(mock.customer_id, name="answered")
    assert customer.name == "answered"
