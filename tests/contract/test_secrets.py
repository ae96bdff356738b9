"""Secrets never in messages, reprs, logs, pickles or tracebacks; errors cross processes."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    APIConnectionError,
    APIStatusError,
    LightClient,
    LightError,
    NotFoundError,
    RateLimitError,
    SyncLightClient,
)
from tests._harness import CUSTOMER_ID, Light

SECRET = "sk_live_PICKLE_SECRET_77"


def failing_update(base_url: str) -> None:
    """Runs in a worker process: raises the SDK's error, which must come back whole."""
    with SyncLightClient(api_key=SECRET, base_url=base_url, max_retries=0) as light:
        light.customers.update(CUSTOMER_ID, name="a")


@pytest.fixture
async def light(kind: Any, clean_env: pytest.MonkeyPatch) -> Any:
    client = Light(kind, api_key=SECRET, max_retries=0)
    yield client
    await client.close()


async def test_status_errors_pickle_and_copy_without_the_credential(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        status_code=429,
        headers={"Retry-After": "7200"},
        json={"type": "TOO_MANY_REQUESTS", "message": "daily limit"},
    )
    with pytest.raises(RateLimitError) as caught:
        await light.update_customer(name="a")
    error = caught.value
    pickled = pickle.dumps(error)
    assert SECRET.encode() not in pickled
    back = pickle.loads(pickled)
    assert type(back) is RateLimitError
    assert str(back) == str(error)
    assert (back.status_code, back.type, back.message, back.attempts, back.retry_at) == (
        429,
        "TOO_MANY_REQUESTS",
        "daily limit",
        1,
        error.retry_at,
    )
    assert back.body == error.body and back.content == error.content
    assert back.headers == error.headers
    assert back.response is None  # it (and its request) carries the Authorization header
    assert str(copy.copy(error)) == str(copy.deepcopy(error)) == str(error)


async def test_connection_errors_pickle_too(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as caught:
        await light.update_customer(name="a")
    back = pickle.loads(pickle.dumps(caught.value))
    assert type(back) is APIConnectionError and str(back) == str(caught.value)
    assert back.attempts == 1


def test_an_error_crosses_a_process_pool() -> None:
    from tests._servers import RawServer, http_answer

    answer = http_answer(404, b'{"type": "NOT_FOUND", "message": "no such customer"}')
    with (
        RawServer(lambda conn, _: conn.sendall(answer)) as server,
        ProcessPoolExecutor(max_workers=1) as pool,
    ):
        future = pool.submit(failing_update, server.url)
        with pytest.raises(NotFoundError) as caught:
            future.result(timeout=60)
    assert str(caught.value) == "404 NOT_FOUND: no such customer"
    assert isinstance(caught.value, APIStatusError) and isinstance(caught.value, LightError)


@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_a_password_in_base_url_is_never_shown(
    client_type: type[LightClient | SyncLightClient],
    clean_env: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    httpx_mock: HTTPXMock,
) -> None:
    client = client_type(api_key=SECRET, base_url="https://user:hunter2@proxy.example")
    assert repr(client) == (
        f"{client_type.__name__}(base_url='https://user:<redacted>@proxy.example')"
    )
    assert "hunter2" not in repr(client)


async def test_debug_logs_and_tracebacks_hold_no_secret(
    light: Light, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(status_code=404, json={"type": "NOT_FOUND", "message": "gone"})
    with (
        caplog.at_level(logging.DEBUG, logger="light_client"),
        pytest.raises(NotFoundError) as caught,
    ):
        await light.update_customer(name="a")
    assert caplog.records  # the attempt was logged, headers and all
    text = caplog.text + "".join(traceback.format_exception(caught.value)) + repr(light.client)
    assert SECRET not in text
