"""Header values and credentials: CR/LF, non-ASCII and stray white space never reach the wire."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import LightClient, SyncLightClient, TokenProviderError
from tests._harness import CUSTOMER_ID, Light

SECRET = "sk_live_TOPSECRET_9f8e7d"


@pytest.fixture
async def light(kind: Any, clean_env: pytest.MonkeyPatch) -> Any:
    client = Light(kind, api_key=SECRET)
    yield client
    await client.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"idempotency_key": "key\r\nX-Injected: 1"},
            "idempotency_key: the value of header 'X-Idempotency-Key' has a control character",
        ),
        (
            {"idempotency_key": "clé"},
            "idempotency_key: the value of header 'X-Idempotency-Key' has a character that is not",
        ),
        (
            {"extra_headers": {"X-Trace": "a\nb"}},
            "extra_headers: the value of header 'X-Trace' has a control character",
        ),
        (
            {"extra_headers": {"X-Trace": "naïve"}},
            "extra_headers: the value of header 'X-Trace' has a character that is not ASCII",
        ),
        ({"extra_headers": {"Bad Name": "x"}}, "extra_headers: 'Bad Name' is not a valid header"),
        ({"extra_headers": {"X-Trace": 5}}, "extra_headers: header 'X-Trace' must be a string"),
    ],
)
async def test_bad_header_values_are_refused_before_sending(
    light: Light, httpx_mock: HTTPXMock, options: dict[str, Any], message: str
) -> None:
    with pytest.raises((ValueError, TypeError)) as caught:
        await light.update_customer(name="a", **options)
    assert str(caught.value).startswith(message)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_bad_default_headers_are_refused_by_the_constructor(
    client_type: type[LightClient | SyncLightClient], clean_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match=r"^default_headers: the value of header 'X-Team'"):
        client_type(api_key=SECRET, default_headers={"X-Team": "billing\r\n"})


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (SECRET + "\n", "has a control character (a newline?)"),  # a secret file, read whole
        (" " + SECRET, "starts or ends with white space"),
        (SECRET + "é", "has a character that is not ASCII"),
    ],
)
@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_a_malformed_key_fails_at_once_and_is_never_shown(
    client_type: type[LightClient | SyncLightClient],
    clean_env: pytest.MonkeyPatch,
    key: str,
    problem: str,
) -> None:
    with pytest.raises(ValueError) as caught:
        client_type(api_key=key)
    assert str(caught.value) == f"api_key {problem}: check how it was read (the value is not shown)"
    assert "TOPSECRET" not in repr(caught.value)
    clean_env.setenv("LIGHT_API_KEY", key)
    with pytest.raises(ValueError, match=r"^LIGHT_API_KEY "):
        client_type()


async def test_a_provider_token_with_a_newline_is_a_token_provider_error(
    clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    async def provider() -> str:
        return SECRET + "\n"

    async with LightClient(access_token=provider) as light:
        with pytest.raises(TokenProviderError) as caught:
            await light.customers.update(CUSTOMER_ID, name="a")
    assert str(caught.value).startswith("the token the access_token provider returned has a")
    assert "TOPSECRET" not in str(caught.value)
    assert httpx_mock.get_requests() == []
