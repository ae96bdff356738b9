"""Redirects and answers that are not what was asked for."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import APIStatusError, ResponseValidationError
from tests._harness import CUSTOMER_ID, CUSTOMER_URL, Light
from tests.conftest import load_json

CUSTOMER = load_json("seed_customer_response.json")
OTHER_ID = "0e9b7c8a-1111-4222-8333-444455556666"


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_a_users_http_client_auth_does_not_follow_to_another_host(
    kind: str, clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    auth = httpx.BasicAuth("proxy-user", "proxy-pass")
    http_client: Any = httpx.AsyncClient(auth=auth) if kind == "async" else httpx.Client(auth=auth)
    elsewhere = f"https://elsewhere.example/v1/customers/{CUSTOMER_ID}"
    httpx_mock.add_response(url=CUSTOMER_URL, status_code=307, headers={"Location": elsewhere})
    httpx_mock.add_response(url=elsewhere, json=CUSTOMER)
    light = Light(kind, api_key="k", http_client=http_client)  # type: ignore[arg-type]
    await light.update_customer(name="a")
    await light.close()
    first, second = httpx_mock.get_requests()
    basic = base64.b64encode(b"proxy-user:proxy-pass").decode()
    assert first.headers["Authorization"] == f"Basic {basic}"  # the user's client, as configured
    assert "Authorization" not in second.headers  # ... but not to another host
    assert all(basic not in value for value in second.headers.values())
    if isinstance(http_client, httpx.AsyncClient):
        await http_client.aclose()
    else:
        http_client.close()


async def test_a_redirect_from_https_to_http_is_not_followed(
    kind: Any, clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    plain = f"http://api.light.inc/v1/customers/{CUSTOMER_ID}"
    httpx_mock.add_response(url=CUSTOMER_URL, status_code=301, headers={"Location": plain})
    light = Light(kind, api_key="k")
    with pytest.raises(APIStatusError) as caught:
        await light.update_customer(name="a")
    await light.close()
    assert len(httpx_mock.get_requests()) == 1  # the body never went out in clear text
    assert caught.value.status_code == 301
    assert str(caught.value) == (
        f"301: the server redirected the PATCH with 301 to {plain}, which the SDK does not follow "
        "(it leads from https to http, where the body would travel in clear text); the update "
        "was not sent there"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'id' is a required property"),
        ({**CUSTOMER, "id": OTHER_ID}, f"resource with id {OTHER_ID}, not {CUSTOMER_ID}"),
    ],
)
async def test_a_2xx_about_another_resource_is_not_a_success(
    kind: Any,
    clean_env: pytest.MonkeyPatch,
    httpx_mock: HTTPXMock,
    body: dict[str, Any],
    message: str,
) -> None:
    httpx_mock.add_response(json=body)
    light = Light(kind, api_key="k", strict_response_validation=True)  # as tests run
    with pytest.raises(ResponseValidationError) as caught:
        await light.update_customer(name="a")
    await light.close()
    assert message in str(caught.value)
