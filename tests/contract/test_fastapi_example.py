"""The FastAPI example, end to end: uvicorn on loopback, its LightClient talking to the mock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request

from examples.fastapi_app import app, lifespan, light_error
from light_client import LightClient, LightError
from light_client.mock import LightMock
from tests._harness_uvicorn import Service


@pytest.fixture
def service(light_mock: LightMock, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("LIGHT_API_KEY", light_mock.api_key)
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    with Service(app) as client:
        yield client


def test_update_sets_clears_and_keeps(service: httpx.Client, light_mock: LightMock) -> None:
    answer = service.patch(
        f"/customers/{light_mock.customer_id}",
        json={
            "name": "Nordlys Holding",
            "email": None,
            "address": {"country": "DK", "city": "Odense"},
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["name"], body["email"], body["address"]) == (
        "Nordlys Holding",
        None,
        {"country": "DK", "city": "Odense"},
    )
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert stored is not None
    assert (stored["name"], stored["email"]) == ("Nordlys Holding", None)
    assert stored["vatNumber"] == "DK12345678"  # left out: unchanged


def test_unknown_customer_is_404(service: httpx.Client) -> None:
    answer = service.patch("/customers/00000000-0000-4000-8000-000000000000", json={"name": "x"})
    assert (answer.status_code, answer.json()) == (404, {"detail": "customer not found"})


def test_typo_is_422_with_a_suggestion(service: httpx.Client, light_mock: LightMock) -> None:
    answer = service.patch(f"/customers/{light_mock.customer_id}", json={"nmae": "x"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "UpdateCustomerRequest has no field 'nmae'; did you mean 'name'?"
    }


def test_a_null_name_is_422_before_light_is_asked(
    service: httpx.Client, light_mock: LightMock
) -> None:
    answer = service.patch(f"/customers/{light_mock.customer_id}", json={"name": None})
    assert (answer.status_code, answer.json()) == (
        422,
        {"detail": "UpdateCustomerRequest: name: None is not of type 'string'"},
    )
    assert light_mock.stats.requests == 0


def test_bad_credentials_are_502(light_mock: LightMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIGHT_API_KEY", "sk_wrong")
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    with Service(app) as client:
        answer = client.patch(f"/customers/{light_mock.customer_id}", json={"name": "x"})
    assert (answer.status_code, answer.json()) == (
        502,
        {"detail": "upstream rejected our credentials"},
    )


def test_light_unreachable_is_504(monkeypatch: pytest.MonkeyPatch) -> None:
    with LightMock() as stopped:
        url = stopped.base_url
    monkeypatch.setenv("LIGHT_API_KEY", "k")
    monkeypatch.setenv("LIGHT_BASE_URL", url)  # nothing listens there any more
    with Service(app) as client:
        answer = client.patch(f"/customers/{stopped.customer_id}", json={"name": "x"})
    assert (answer.status_code, answer.json()) == (504, {"detail": "Light is unreachable"})


def test_one_client_opened_and_closed_by_the_lifespan(
    light_mock: LightMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIGHT_API_KEY", light_mock.api_key)
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    with Service(app) as client:
        light = app.state.light
        for name in ("a", "b"):
            assert (
                client.patch(
                    f"/customers/{light_mock.customer_id}", json={"name": name}
                ).status_code
                == 200
            )
        assert app.state.light is light
        assert not light._http.is_closed
    assert light._http.is_closed


def test_an_id_that_is_not_a_uuid_is_422_by_the_light_error_handler(
    light_mock: LightMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An app whose path parameter is a plain str: the SDK refuses the id with an
    # InvalidArgumentError, which the app's LightError handler answers (not a 500).
    monkeypatch.setenv("LIGHT_API_KEY", light_mock.api_key)
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    plain = FastAPI(lifespan=lifespan)
    plain.add_exception_handler(LightError, light_error)  # type: ignore[arg-type]

    @plain.get("/customers/{customer_id}/name")
    async def rename(customer_id: str, request: Request) -> str:
        light: LightClient = request.app.state.light
        return (await light.customers.update(customer_id, name="x")).name or ""

    with Service(plain) as client:
        answer = client.get("/customers/42/name")
    assert (answer.status_code, answer.json()) == (
        422,
        {"detail": "customer_id must be a UUID or a UUID string, got '42'"},
    )
    assert light_mock.stats.requests == 0
