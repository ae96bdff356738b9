"""Hostile or mistaken input: every value is checked before anything is sent."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import InvalidArgumentError, LightError
from tests._harness import Light

API_KEY = "sk_test_inputs"


@pytest.fixture
async def light(kind: Any, clean_env: pytest.MonkeyPatch) -> Any:
    client = Light(kind, api_key=API_KEY)
    yield client
    await client.close()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": 12500.0}, "UpdateCustomerCreditRequest: amount: 12500.0 is not a 'int64'"),
        ({"amount": 12.5}, "UpdateCustomerCreditRequest: amount: 12.5 is not of type"),
        ({"amount": "12500"}, "UpdateCustomerCreditRequest: amount: '12500' is not of type"),
        ({"amount": True}, "UpdateCustomerCreditRequest: amount: True is not of type"),
        ({"amount": 2**70}, "UpdateCustomerCreditRequest: amount: 1180591620717411303424 is not"),
        ({"description": 5}, "UpdateCustomerCreditRequest: description: 5 is not of type"),
        ({"customer_id": "not-a-uuid"}, "UpdateCustomerCreditRequest: customerId: 'not-a-uuid'"),
        (
            {"document_date": datetime.datetime(2026, 1, 2, 3, 4, 5)},
            "UpdateCustomerCreditRequest: documentDate: '2026-01-02T03:04:05' is not a 'date'",
        ),
        (
            {"document_date": "02/01/2026"},
            "UpdateCustomerCreditRequest: documentDate: '02/01/2026'",
        ),
        ({"custom_properties": [5]}, "UpdateCustomerCreditRequest: customProperties[0]: 5 is not"),
        ({"customer_id": 5}, "UpdateCustomerCreditRequest: customerId: 5 is not of type"),
    ],
)
async def test_wrong_values_are_refused_before_sending(
    light: Light, httpx_mock: HTTPXMock, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        await light.update_credit(**fields)
    assert str(caught.value).startswith(message)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("max_retries", "error", "message"),
    [
        ("2", TypeError, "max_retries must be an int >= 0, got '2'"),
        (None, TypeError, "max_retries must be an int >= 0, got None"),
        (2.5, TypeError, "max_retries must be an int >= 0, got 2.5"),
        (True, TypeError, "max_retries must be an int >= 0, got True"),
        (-1, ValueError, "max_retries must be >= 0, got -1"),
    ],
)
async def test_per_call_max_retries_is_checked_before_sending(
    light: Light,
    httpx_mock: HTTPXMock,
    max_retries: Any,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as caught:
        await light.update_customer(name="a", max_retries=max_retries)
    assert str(caught.value) == message
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("seconds", "error"),
    [
        ("10", TypeError),
        (True, TypeError),
        (-1, InvalidArgumentError),  # the right type, a value that cannot be used
        (0, InvalidArgumentError),
        (float("nan"), InvalidArgumentError),
    ],
)
async def test_per_call_timeout_is_checked_before_sending(
    light: Light, httpx_mock: HTTPXMock, seconds: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"^timeout must be seconds > 0, an httpx\.Timeout or None"):
        await light.update_customer(name="a", timeout=seconds)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": "3"},
        {"timeout": "slow"},
        {"max_requests_per_minute": 0},
        {"max_requests_per_minute": 2.5},
        {"max_response_bytes": 0},
        {"base_url": "ftp://api.light.inc"},
    ],
)
def test_client_settings_are_checked(
    kind: Any, clean_env: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    with pytest.raises((TypeError, ValueError)):
        Light(kind, api_key=API_KEY, **options)


async def test_a_string_for_a_list_field_is_an_invalid_argument_before_sending(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    # A str is a Sequence[str] to a type checker: the runtime catches it, as a LightError.
    with pytest.raises(InvalidArgumentError) as caught:
        await light.update_customer(cc_emails="a@example.com")
    assert isinstance(caught.value, LightError) and isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "UpdateCustomerRequest: a field has a value of the wrong type (cc_emails must be a list "
        "(or a tuple), not a string)"
    )
    assert httpx_mock.get_requests() == []
