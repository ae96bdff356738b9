"""A write the server cannot deduplicate is never sent twice; one it can is resent with its key."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import APIConnectionError, APITimeoutError, LightClient, SyncLightClient
from light_client.mock import Faults, LightMock
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID, Kind, Light
from tests.conftest import API_KEY, load_json

CUSTOMER = load_json("seed_customer_response.json")


async def archive(light: Light) -> object:
    if isinstance(light.client, LightClient):
        return await light.client.customers.archive(CUSTOMER_ID)
    return light.client.customers.archive(CUSTOMER_ID)


async def create(light: Light, **params: object) -> object:
    if isinstance(light.client, LightClient):
        return await light.client.customers.create(name="Acme ApS", **params)  # type: ignore[arg-type]
    return light.client.customers.create(name="Acme ApS", **params)  # type: ignore[arg-type]


async def test_a_post_without_a_key_that_timed_out_is_not_resent(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"))
    light = Light(kind, api_key=API_KEY, clock=frozen)
    with pytest.raises(APITimeoutError) as caught:
        await archive(light)
    await light.close()
    assert len(httpx_mock.get_requests()) == 1
    assert caught.value.attempts == 1
    assert caught.value.reason is not None and caught.value.reason.startswith("not resent")
    assert frozen.sleeps == []


@pytest.mark.parametrize(
    "first",
    [
        httpx.ConnectError("refused"),  # never left: safe to send
        httpx.Response(429, headers={"Retry-After": "1"}),  # refused before doing anything
    ],
    ids=["connect-error", "429"],
)
async def test_a_post_without_a_key_is_resent_when_it_provably_did_nothing(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, first: httpx.Response | Exception
) -> None:
    if isinstance(first, Exception):
        httpx_mock.add_exception(first)
    else:
        httpx_mock.add_response(status_code=first.status_code, headers=first.headers)
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    await archive(light)
    await light.close()
    assert [request.method for request in httpx_mock.get_requests()] == ["POST", "POST"]


async def test_a_create_with_its_key_is_resent_with_the_same_key(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"))
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    await create(light)
    await light.close()
    first, second = httpx_mock.get_requests()
    assert first.headers["X-Idempotency-Key"] == second.headers["X-Idempotency-Key"]
    assert first.content == second.content == b'{"name":"Acme ApS"}'


def test_against_a_server_that_applies_then_loses_the_answer() -> None:
    """The mock applies the archive and drops its answer: the SDK does not send it again."""
    with (
        LightMock(faults=Faults(dropped=1.0)) as mock,
        SyncLightClient(
            api_key=mock.api_key,
            base_url=mock.base_url,
            max_requests_per_minute=None,
            strict_response_validation=True,
        ) as light,
    ):
        with pytest.raises(APIConnectionError):
            light.customers.archive(mock.customer_id)
        assert mock.stats.requests == 1
        archived = mock.store.get("Customer", mock.customer_id)
        assert archived is not None and archived["status"] == "ARCHIVED"
        # With its key, a create is sent again and applied once.
        mock.faults.dropped = 0.0
        first = light.customers.create(name="Once", idempotency_key="create-once")
        again = light.customers.create(name="Once", idempotency_key="create-once")
        assert first.id == again.id
        assert [c["name"] for c in mock.store.resources["Customer"].values()].count("Once") == 1
