"""The mock's OAuth 2.0 endpoints: authorization code, refresh with rotation, Bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from light_client.mock import LightMock
from light_client.mock._http import Answer
from light_client.mock._oauth_endpoints import TOKEN_SCHEMA
from tests._mock_wire import light_error

REDIRECT = "https://partner.example/callback"


@pytest.fixture
def http(light_mock: LightMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=light_mock.base_url) as client:
        yield client


def authorize(http: httpx.Client, light_mock: LightMock, state: str = "s-1") -> str:
    answer = http.get(
        "/oauth/authorize",
        params={"client_id": light_mock.oauth_client_id, "redirect_uri": REDIRECT, "state": state},
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    (code,) = query["code"]
    return code


def token(http: httpx.Client, light_mock: LightMock, **form: str) -> httpx.Response:
    client = {
        "client_id": light_mock.oauth_client_id,
        "client_secret": light_mock.oauth_client_secret,
    }
    return http.post("/oauth/token", data={**client, **form})


def update(http: httpx.Client, light_mock: LightMock, access_token: str) -> int:
    answer = http.patch(
        f"/v1/customers/{light_mock.customer_id}",
        content=b'{"name": "Via OAuth"}',
        headers={
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json;charset=UTF-8",
        },
    )
    return answer.status_code


def test_the_whole_flow_with_rotation(http: httpx.Client, light_mock: LightMock) -> None:
    code = authorize(http, light_mock)
    first = token(
        http, light_mock, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    tokens: dict[str, Any] = first.json()
    assert sorted(tokens) == ["access_token", "expires_in", "refresh_token", "token_type"]
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 3600)
    assert update(http, light_mock, tokens["access_token"]) == 200
    # The code works once.
    again = token(
        http, light_mock, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    # A refresh gives a new pair; the old refresh token is dead from then on.
    second = token(
        http, light_mock, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert update(http, light_mock, rotated["access_token"]) == 200
    old = token(http, light_mock, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert (old.status_code, old.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "unknown or used refresh token"},
    )
    assert light_mock.oauth.refreshes == 1


def test_expired_and_unknown_tokens_are_refused(http: httpx.Client, light_mock: LightMock) -> None:
    light_mock.oauth_expires_in = 0
    code = authorize(http, light_mock)
    tokens = token(
        http, light_mock, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    ).json()
    assert update(http, light_mock, tokens["access_token"]) == 401
    assert update(http, light_mock, "made-up") == 401


def test_client_authentication_by_form_or_http_basic(
    http: httpx.Client, light_mock: LightMock
) -> None:
    wrong = http.post(
        "/oauth/token",
        data={"client_id": light_mock.oauth_client_id, "client_secret": "nope"},
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    code = authorize(http, light_mock)
    basic = http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(light_mock.oauth_client_id, light_mock.oauth_client_secret),
    )
    assert basic.status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "made-up"}, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, "invalid_grant"),
    ],
)
def test_bad_grants(
    http: httpx.Client, light_mock: LightMock, form: dict[str, str], error: str
) -> None:
    answer = token(http, light_mock, redirect_uri=REDIRECT, **form)
    assert (answer.status_code, answer.json()["error"]) == (400, error)


def test_a_code_is_bound_to_its_redirect_uri(http: httpx.Client, light_mock: LightMock) -> None:
    code = authorize(http, light_mock)
    elsewhere = token(
        http,
        light_mock,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://evil.example/",
    )
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"client_id": "someone-else", "redirect_uri": REDIRECT}, ["client_id"]),
        ({"client_id": "mock_client_id", "redirect_uri": "javascript:alert(1)"}, ["redirect_uri"]),
    ],
)
def test_authorize_refuses_unknown_clients_and_odd_redirects(
    http: httpx.Client, params: dict[str, str], path: list[str]
) -> None:
    answer = http.get("/oauth/authorize", params=params)
    assert (answer.status_code, answer.json()["errors"][0]["path"]) == (400, path)


def test_the_token_endpoint_takes_only_a_form(http: httpx.Client, light_mock: LightMock) -> None:
    client = {
        "client_id": light_mock.oauth_client_id,
        "client_secret": light_mock.oauth_client_secret,
    }
    as_json = http.post("/oauth/token", json={**client, "grant_type": "refresh_token"})
    not_utf8 = http.post(
        "/oauth/token",
        content=b"client_id=%ff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (as_json.status_code, as_json.json()) == (
        400,
        {
            "error": "invalid_request",
            "error_description": "the body must be application/x-www-form-urlencoded",
        },
    )
    assert (not_utf8.status_code, not_utf8.json()) == (
        400,
        {"error": "invalid_request", "error_description": "the form is not valid UTF-8"},
    )
    assert as_json.headers["Cache-Control"] == "no-store"


def test_a_malformed_basic_header_is_an_unknown_client(http: httpx.Client) -> None:
    answer = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": "Basic !!not-base64!!"},
    )
    assert (answer.status_code, answer.json()) == (
        401,
        {"error": "invalid_client", "error_description": "unknown client or wrong secret"},
    )


def test_the_token_answer_is_lights_documented_shape(official: dict[str, Any]) -> None:
    documented = official["components"]["schemas"]["ExternalOauthToken"]
    assert TOKEN_SCHEMA["properties"] == documented["properties"]
    assert TOKEN_SCHEMA["required"] == list(documented["properties"])


def test_a_token_answer_off_its_shape_is_the_mocks_bug(light_mock: LightMock) -> None:
    broken = Answer(200, {"access_token": "a", "expires_in": 1, "token_type": "Bearer"}, {})
    checked = light_mock.check_answer("POST", "/oauth/token", broken, oauth=True)
    message = (
        "the Light mock failed (its bug, not yours): its POST answer 200 breaks "
        "the OAuth token answer at body: 'refresh_token' is a required property"
    )
    assert checked == Answer(500, light_error("INTERNAL_SERVER_ERROR", message), {})
