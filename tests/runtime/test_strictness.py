"""Response strictness: lenient by default (a write that happened is returned, with a warning),
strict on request (``ResponseValidationError``), per client and per call."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import ResponseValidationError
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID, Kind, Light
from tests.conftest import API_KEY, load_json

CUSTOMER = load_json("seed_customer_response.json")
OTHER_ID = "0e9b7c8a-1111-4222-8333-444455556666"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({**CUSTOMER, "name": 5}, "name: 5 is not of type 'string'"),
        (
            {**CUSTOMER, "id": OTHER_ID},
            f"id: the answer describes a resource with id {OTHER_ID}, not {CUSTOMER_ID}",
        ),
    ],
)
async def test_lenient_returns_the_answer_names_the_problem_and_keeps_it(
    kind: Kind,
    frozen: FakeClock,
    httpx_mock: HTTPXMock,
    caplog: pytest.LogCaptureFixture,
    body: dict[str, Any],
    problem: str,
) -> None:
    httpx_mock.add_response(json=body)
    light = Light(kind, api_key=API_KEY, clock=frozen)
    with caplog.at_level(logging.WARNING, logger="light_client"):
        raw = await light.raw_update_customer(name="a")
    await light.close()
    assert raw.status_code == 200 and raw.problems[0].startswith(problem)
    (record,) = caplog.records
    assert f"PATCH /v1/customers/{CUSTOMER_ID}: the answer departs from openapi.yaml" in (
        record.message
    )
    assert problem in record.message


async def test_strict_per_client_or_per_call(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**CUSTOMER, "name": 5}, is_reusable=True)
    strict = Light(kind, api_key=API_KEY, clock=frozen, strict_response_validation=True)
    with pytest.raises(ResponseValidationError) as caught:
        await strict.update_customer(name="a")
    assert caught.value.path == "name"
    lenient_call = await strict.raw_update_customer(name="a", strict_response_validation=False)
    assert lenient_call.problems and lenient_call.parsed.to_dict()["name"] == 5  # as sent
    await strict.close()
    lenient = Light(kind, api_key=API_KEY, clock=frozen)
    with pytest.raises(ResponseValidationError):
        await lenient.update_customer(name="a", strict_response_validation=True)
    await lenient.close()


async def test_what_no_model_can_be_built_from_is_an_error_even_lenient(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={**CUSTOMER, "id": "not-a-uuid"})
    httpx_mock.add_response(content=b"<html>oops</html>")
    light = Light(kind, api_key=API_KEY, clock=frozen)
    with pytest.raises(ResponseValidationError) as bad_id:
        await light.update_customer(name="a")
    assert bad_id.value.path == "id"  # the schema's word for why
    with pytest.raises(ResponseValidationError, match="the body is not JSON"):
        await light.update_customer(name="a")
    await light.close()


def test_the_setting_is_a_bool(kind: Kind) -> None:
    with pytest.raises(TypeError, match="strict_response_validation must be True or False"):
        Light(kind, api_key=API_KEY, strict_response_validation="yes")
