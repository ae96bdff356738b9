"""Schemathesis, the outside check: the mock against openapi.yaml, with a fixed seed.

Its Python API, a test case per operation, against the session's mock on a loopback port:
valid and invalid requests (examples, coverage and fuzzing), and for each answer no server
error, no network error, and nothing off the spec (schema, status, content type, headers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from light_client.mock import LightMock, RateLimit
from light_client.mock._store import SEED_CREDIT_ID, SEED_CUSTOMER_ID
from tests.conftest import ROOT

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

# Not "positive data acceptance": Light (and so the mock) refuses spec-valid requests on rules
# the spec cannot state (a read-only field, a reused idempotency key, null where the resource
# cannot hold it). Negative data must be refused.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


SEEDED = {"customerId": SEED_CUSTOMER_ID, "customerCreditId": SEED_CREDIT_ID}


def is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and UUID(value) is not None
    except ValueError:
        return False


@pytest.fixture(scope="module")
def mock(light_mock_session: LightMock) -> Iterator[LightMock]:
    light_mock_session.reset()
    light_mock_session.rate_limit = RateLimit(limit=10**6)  # its 429s are tested elsewhere
    yield light_mock_session
    statuses = light_mock_session.stats.statuses
    print(f"\nSchemathesis against the mock: {dict(statuses)}")
    # It did exercise the mock, with valid requests and with invalid ones; no 5xx of any kind.
    assert statuses[200] >= 20 and statuses[400] >= 20, statuses
    assert not [status for status in statuses if status >= 500], statuses
    light_mock_session.reset()


@schema.parametrize()
@settings(
    max_examples=60,
    derandomize=True,  # the same requests on every run: a fixed seed
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_mock_keeps_to_its_spec(case: schemathesis.Case[Any], mock: LightMock) -> None:
    for name, value in (case.path_parameters or {}).items():
        if is_uuid(value):  # a valid id: one the mock has, so that updates get through
            case.path_parameters[name] = SEEDED[name]
    case.call_and_validate(
        base_url=mock.base_url,
        headers={"Authorization": f"Basic {mock.api_key}"},
        checks=CHECKS,
        timeout=5,
    )
