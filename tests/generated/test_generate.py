"""scripts/generate.py's own reading of the document: the facts it hands the templates."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from generate import GenerationError, _config, operation_facts

from tests.conftest import ROOT


def test_the_facts_of_each_operation(spec: dict[str, Any]) -> None:
    facts = operation_facts(spec, _config(ROOT / "openapi.yaml", ROOT / "unused"))
    assert facts["update_customer"] == {
        "operation_id": "updateCustomer",
        "path": "/v1/customers/{customerId}",
        "body_schema": "UpdateCustomerRequest",
        "answer_schema": "Customer",
        "path_formats": {"customerId": "uuid"},
        "answer_id": "customerId",
    }
    assert facts["update_customer_credit"]["answer_id"] == "customerCreditId"


def test_an_answer_id_that_is_no_path_parameter_fails_naming_it(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/v1/customers/{customerId}"]["patch"]["x-light-answer-id"] = "customer"
    with pytest.raises(
        GenerationError, match=r"updateCustomer: x-light-answer-id names 'customer'"
    ):
        operation_facts(broken, _config(ROOT / "openapi.yaml", ROOT / "unused"))
