"""Answers nested deeper than Python's recursion: a typed error, never a RecursionError."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import BadRequestError, ResponseValidationError
from tests._harness import Light

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"id": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}"
DEEP_ERROR = b'{"type": "BAD_REQUEST", "errors": [' + b"[" * 5000 + b"]" * 5000 + b"]}"


@pytest.fixture
async def light(kind: Any, clean_env: pytest.MonkeyPatch) -> Any:
    client = Light(kind, api_key="k", max_retries=0)
    yield client
    await client.close()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
async def test_a_deep_success_body_is_a_response_validation_error(
    light: Light, httpx_mock: HTTPXMock, body: bytes
) -> None:
    httpx_mock.add_response(content=body)
    with pytest.raises(ResponseValidationError) as caught:
        await light.update_customer(name="a")
    # Python 3.11's JSON decoder stops at its recursion limit; 3.13's reads it whole and the
    # validator stops at its own: either way a typed error with a short message, never a
    # RecursionError.
    message = str(caught.value)
    assert message.endswith(
        ("the body is nested too deep to read", "the body is nested too deep to check")
    ), message
    assert len(message) < 500
    assert caught.value.content == body


@pytest.mark.parametrize("body", [DEEP, DEEP_ERROR])
async def test_a_deep_error_body_is_still_the_status_error(
    light: Light, httpx_mock: HTTPXMock, body: bytes
) -> None:
    httpx_mock.add_response(status_code=400, content=body)
    with pytest.raises(BadRequestError) as caught:
        await light.update_customer(name="a")
    assert caught.value.errors == []
    assert caught.value.content == body


def test_an_instance_deeper_than_the_validator_goes_is_said_so() -> None:
    # What Python 3.13's decoder hands the validator from DEEP: deeper than jsonschema-rs goes.
    from light_client._runtime.validation import schema_problem

    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    problem = schema_problem("Customer", deep)
    assert problem is not None
    assert (problem.path, problem.message) == ((), "the body is nested too deep to check")
