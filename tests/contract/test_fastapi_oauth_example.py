"""The OAuth example end to end: uvicorn on loopback, a user connecting through the mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from examples.fastapi_oauth import app
from light_client.mock import LightMock
from tests._harness_uvicorn import Service
from tests.conftest import free_port


@pytest.fixture
def partner(
    light_mock: LightMock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[httpx.Client]:
    port = free_port()
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    monkeypatch.setenv("LIGHT_OAUTH_CLIENT_ID", light_mock.oauth_client_id)
    monkeypatch.setenv("LIGHT_OAUTH_CLIENT_SECRET", light_mock.oauth_client_secret)
    monkeypatch.setenv("LIGHT_OAUTH_REDIRECT_URI", f"http://127.0.0.1:{port}/callback")
    monkeypatch.setenv("LIGHT_TOKEN_DB", str(tmp_path / "tokens.sqlite3"))
    with Service(app, port) as client:
        yield client


def test_connect_callback_then_update(partner: httpx.Client, light_mock: LightMock) -> None:
    to_light = partner.get("/connect", params={"tenant": "acme"})
    assert to_light.status_code == 307
    assert to_light.headers["Location"].startswith(f"{light_mock.base_url}/oauth/authorize?")
    back = httpx.get(to_light.headers["Location"])  # the user's browser, at Light
    assert back.status_code == 302
    connected = partner.get(back.headers["Location"])  # ... and back at the partner
    assert connected.json() == {"connected": "acme"}
    again = partner.get(back.headers["Location"])  # a state works once
    assert again.status_code == 400
    updated = partner.patch(
        f"/tenants/acme/customers/{light_mock.customer_id}", json={"name": "Via partner"}
    )
    assert (updated.status_code, updated.json()["name"]) == (200, "Via partner")
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert stored is not None and stored["name"] == "Via partner"
    unknown = partner.patch(f"/tenants/nobody/customers/{light_mock.customer_id}", json={})
    assert unknown.status_code == 401
