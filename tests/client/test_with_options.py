"""Derived clients: another timeout, retries, headers or tenant, on the same connection pool."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from light_client import LightClient, SyncLightClient
from tests._harness import CUSTOMER_ID
from tests.conftest import load_json

CUSTOMER = load_json("seed_customer_response.json")


def waits(client: LightClient | SyncLightClient, n: int) -> list[float]:
    limiter = client._limiter
    key = limiter.key(client._credentials.authorization)
    return [round(limiter.apply(key, limiter.reserve()).wait, 1) for _ in range(n)]


async def test_a_derived_client_changes_only_what_it_is_told(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    async with LightClient(api_key="key-a", default_headers={"X-Team": "billing"}) as light:
        quick = light.with_options(timeout=5, max_retries=0, default_headers={"X-Job": "sync"})
        assert quick._http is light._http  # one connection pool
        assert (quick.timeout.read, quick.max_retries) == (5, 0)
        assert (light.timeout.read, light.max_retries) == (60, 2)
        await quick.customers.update(CUSTOMER_ID, name="a")
        await quick.aclose()  # the pool is the original client's: it stays open
        await light.customers.update(CUSTOMER_ID, name="b")
    first, second = httpx_mock.get_requests()
    assert (first.headers["X-Team"], first.headers["X-Job"]) == ("billing", "sync")
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Basic key-a"
    assert first.extensions["timeout"]["read"] == 5
    assert "X-Job" not in second.headers
    assert light._http.is_closed


async def test_one_client_per_tenant_each_with_its_own_budget(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)

    async def tenant_b_token() -> str:
        return "token-b"

    async with LightClient(api_key="key-a") as light:
        tenant_b = light.with_options(access_token=tenant_b_token)
        same_tenant = light.with_options(max_retries=5)
        await tenant_b.customers.update(CUSTOMER_ID, name="b")
        assert waits(light, 3) == [0.0, 0.0, 0.0]
        assert waits(same_tenant, 1) == [0.2]  # the same key: one budget
        assert waits(tenant_b, 2) == [0.0, 0.0]  # another tenant: its own (after its 1 call)
    (request,) = httpx_mock.get_requests()
    assert request.headers["Authorization"] == "Bearer token-b"


def test_sync_with_options_and_copy(clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    with SyncLightClient(api_key="key-a") as light:
        derived = light.copy(base_url="https://eu.api.light.example", max_requests_per_minute=None)
        derived.customers.update(CUSTOMER_ID, name="a")
        assert derived._http is light._http and derived._credentials is light._credentials
    (request,) = httpx_mock.get_requests()
    assert str(request.url) == f"https://eu.api.light.example/v1/customers/{CUSTOMER_ID}"
    assert request.headers["Authorization"] == "Basic key-a"
