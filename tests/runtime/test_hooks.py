"""``on_attempt``: every attempt reported, with what the client does next (pytest-httpx)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APIStatusError,
    AttemptDetails,
    BadRequestError,
    ResponseTooLargeError,
    TokenProviderError,
)
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID, Kind, Light
from tests.conftest import API_KEY, load_json

CUSTOMER = load_json("seed_customer_response.json")
PATH = f"/v1/customers/{CUSTOMER_ID}"


@pytest.fixture
def seen() -> list[AttemptDetails]:
    return []


@pytest.fixture
async def light(kind: Kind, frozen: FakeClock, seen: list[AttemptDetails]) -> AsyncIterator[Light]:
    client = Light(kind, api_key=API_KEY, clock=frozen, on_attempt=seen.append)
    yield client
    await client.close()


async def test_a_retry_then_a_success(
    light: Light, httpx_mock: HTTPXMock, seen: list[AttemptDetails], frozen: FakeClock
) -> None:
    httpx_mock.add_response(status_code=503, headers={"Retry-After": "2"})
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(name="a")
    assert [(d.attempt, d.status_code, d.error, d.action, d.wait) for d in seen] == [
        (1, 503, None, "pause", 2.0),
        (2, 200, None, "return", 0.0),
    ]
    assert {(d.operation_id, d.method, d.path) for d in seen} == {("updateCustomer", "PATCH", PATH)}
    assert seen[0].reason == "503: the client waits 2.00 s" and seen[1].reason is None
    # The clock stands still but for the waits: no attempt took any time on it.
    assert [d.elapsed for d in seen] == [0.0, 0.0]
    assert frozen.sleeps == [2.0]


async def test_a_transport_error_then_a_refusal(
    light: Light, httpx_mock: HTTPXMock, seen: list[AttemptDetails]
) -> None:
    import httpx

    httpx_mock.add_exception(httpx.ConnectError("refused"))
    httpx_mock.add_response(status_code=400, json={"type": "BAD_REQUEST", "message": "no"})
    with pytest.raises(BadRequestError):
        await light.update_customer(name="a")
    first, second = seen
    assert (first.status_code, first.error, first.action) == (None, "ConnectError", "retry")
    assert 0.375 <= first.wait <= 0.5  # the first backoff, less up to 25 % jitter
    assert (second.status_code, second.action, second.wait, second.reason) == (
        400,
        "raise",
        0.0,
        None,
    )


async def test_a_hook_that_fails_does_not_fail_the_call(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(details: AttemptDetails) -> None:
        raise RuntimeError("metrics backend down")

    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, clock=frozen, on_attempt=broken)
    with caplog.at_level(logging.ERROR, logger="light_client"):
        customer = await light.update_customer(name="a")
    await light.close()
    assert str(customer.id) == str(CUSTOMER_ID)
    (record,) = caplog.records
    assert record.message.startswith("the on_attempt hook") and record.exc_info is not None


async def test_with_options_keeps_or_replaces_the_hook(
    light: Light, httpx_mock: HTTPXMock, seen: list[AttemptDetails]
) -> None:
    other: list[AttemptDetails] = []
    httpx_mock.add_response(json=CUSTOMER, is_reusable=True)
    same = Light.wrap(light.kind, light.client.with_options(timeout=5))
    changed = Light.wrap(light.kind, light.client.with_options(on_attempt=other.append))
    silent = Light.wrap(light.kind, light.client.with_options(on_attempt=None))
    await same.update_customer(name="a")
    await changed.update_customer(name="b")
    await silent.update_customer(name="c")
    assert len(seen) == 1 and len(other) == 1


def test_a_hook_that_is_not_callable_is_refused(kind: Kind) -> None:
    with pytest.raises(TypeError, match="on_attempt must be a callable"):
        Light(kind, api_key=API_KEY, on_attempt="print")


async def test_a_redirect_loop_is_reported(
    light: Light, httpx_mock: HTTPXMock, seen: list[AttemptDetails]
) -> None:
    url = f"https://api.light.inc{PATH}"
    httpx_mock.add_response(status_code=307, headers={"Location": url}, is_reusable=True)
    with pytest.raises(APIStatusError, match="too many redirects"):
        await light.update_customer(name="a")
    (details,) = seen
    assert (details.status_code, details.action, details.reason) == (
        307,
        "raise",
        "too many redirects",
    )


async def test_an_answer_too_large_is_reported(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, seen: list[AttemptDetails]
) -> None:
    httpx_mock.add_response(content=b"x" * 5000)
    light = Light(
        kind, api_key=API_KEY, clock=frozen, on_attempt=seen.append, max_response_bytes=1000
    )
    with pytest.raises(ResponseTooLargeError):
        await light.update_customer(name="a")
    await light.close()
    (details,) = seen
    assert (details.status_code, details.error, details.action) == (
        None,
        "ResponseTooLargeError",
        "raise",
    )


async def test_a_401_whose_refresh_fails_is_the_last_attempt(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, seen: list[AttemptDetails]
) -> None:
    tokens = iter(["first-token"])

    def provider() -> str:
        return next(tokens)  # the second call raises StopIteration: the provider failed

    async def async_provider() -> str:
        return provider()

    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "expired"})
    light = Light(
        kind,
        access_token=async_provider if kind == "async" else provider,
        clock=frozen,
        on_attempt=seen.append,
    )
    with pytest.raises(TokenProviderError):
        await light.update_customer(name="a")
    await light.close()
    (details,) = seen
    assert (details.status_code, details.action) == (401, "raise")
    assert details.reason is not None and "TokenProviderError" in details.reason
