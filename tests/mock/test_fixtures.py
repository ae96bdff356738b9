"""The pytest plugin's fixtures as users take them: the mock, its seed, and the strict clients."""

from __future__ import annotations

import asyncio
import time

import pytest

from light_client import InternalServerError, LightClient, ResponseValidationError, SyncLightClient
from light_client._pytest_plugin import UNPACED_LIMIT
from light_client.mock import Faults, LightMock, Seed


def off_spec(light_mock: LightMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock's first customer answered with a createdAt that is not a date-time: the mock's
    own check of its answers is taken away, so that a 2xx off openapi.yaml reaches the client."""
    monkeypatch.setattr(light_mock, "check_answer", lambda *args, **kwargs: args[2])
    light_mock.store.resources["Customer"][light_mock.customer_id]["createdAt"] = "garbage"


def test_the_sync_client_is_strict(
    light_mock_sync_client: SyncLightClient,
    light_mock: LightMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off_spec(light_mock, monkeypatch)
    with pytest.raises(ResponseValidationError, match="createdAt"):
        light_mock_sync_client.customers.get(light_mock.customer_id)


async def test_the_async_client_is_strict(
    light_mock_client: LightClient, light_mock: LightMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    off_spec(light_mock, monkeypatch)
    with pytest.raises(ResponseValidationError, match="createdAt"):
        await light_mock_client.customers.get(light_mock.customer_id)


def test_twenty_calls_take_milliseconds(
    light_mock_sync_client: SyncLightClient, light_mock: LightMock
) -> None:
    started = time.perf_counter()
    for n in range(20):
        light_mock_sync_client.customers.update(light_mock.customer_id, name=f"n{n}")
    assert time.perf_counter() - started < 1.0  # about 0.05 s
    # Not paced: by the client, nor by the mock's limit, which a client follows from its
    # headers (Light's 300 a minute spaces calls 0.2 s apart once the client has learnt it).
    raw = light_mock_sync_client.customers.with_raw_response.get(light_mock.customer_id)
    assert raw.http_response.headers["X-RateLimit-Limit"] == str(UNPACED_LIMIT)
    assert light_mock_sync_client.max_requests_per_minute is None


def test_the_sync_clients_waits_are_instant_and_recorded(
    light_mock_sync_client: SyncLightClient, light_mock: LightMock, light_mock_waits: list[float]
) -> None:
    light_mock.faults = Faults(server_errors=1.0)  # every answer a 503: two retries, then raise
    started = time.perf_counter()
    with pytest.raises(InternalServerError) as caught:
        light_mock_sync_client.customers.get(light_mock.customer_id)
    assert time.perf_counter() - started < 0.5  # the backoff of 0.5 s and 1 s, not slept
    assert caught.value.attempts == 3
    assert len(light_mock_waits) == 2 and all(wait > 0 for wait in light_mock_waits)


async def test_the_async_clients_waits_are_instant_and_recorded(
    light_mock_client: LightClient, light_mock: LightMock, light_mock_waits: list[float]
) -> None:
    light_mock.faults = Faults(server_errors=1.0)
    started = time.perf_counter()
    with pytest.raises(InternalServerError):
        await light_mock_client.customers.get(light_mock.customer_id)
    assert time.perf_counter() - started < 0.5
    assert len(light_mock_waits) == 2


async def test_the_async_client_leaves_no_connection_open(
    light_mock_client: LightClient, light_mock: LightMock
) -> None:
    await asyncio.gather(
        *(light_mock_client.customers.get(light_mock.customer_id) for _ in range(5))
    )
    pool = light_mock_client._http._transport._pool  # type: ignore[attr-defined]
    # Nothing kept for after the test: its event loop may be gone by then.
    assert pool.connections == []


def test_the_async_client_in_a_sync_test(
    light_mock_client: LightClient, light_mock_sync_client: SyncLightClient, light_mock: LightMock
) -> None:
    async def rename() -> object:
        return (await light_mock_client.customers.update(light_mock.customer_id, name="A")).name

    assert asyncio.run(rename()) == "A"
    # Both clients talk to light_mock.
    assert light_mock_sync_client.customers.get(light_mock.customer_id).name == "A"
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert stored is not None and stored["name"] == "A"


class TestASeedForEveryTestHere:
    @pytest.fixture
    def light_mock_seed(self) -> Seed:
        return Seed(customers=[{"name": "Only"}, {"name": "Two"}], random_seed=5)

    def test_it_seeds_light_mock(self, light_mock_sync_client: SyncLightClient) -> None:
        names = sorted(str(c.name) for c in light_mock_sync_client.customers.list())
        assert names == ["Only", "Two"]

    def test_and_light_mock_url(self, light_mock_url: str, light_mock: LightMock) -> None:
        assert light_mock_url == light_mock.base_url
        assert len(light_mock.store.resources["Customer"]) == 2


def test_the_shared_mock_holds_the_default_records(light_mock_shared: LightMock) -> None:
    assert [c["name"] for c in light_mock_shared.store.resources["Customer"].values()] == [
        "Nordlys ApS",
        "Fjord Consulting",
    ]
    assert light_mock_shared.rate_limit.limit == UNPACED_LIMIT
