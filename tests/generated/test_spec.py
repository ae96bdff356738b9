"""openapi.yaml: valid, and faithful to Light's official document and reference pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from drift import drift
from openapi_spec_validator import validate
from spec_compare import operation_schemas, property_paths

from tests.conftest import DATA, ROOT, load_json

OPERATIONS = {
    "updateCustomer": "/v1/customers/{customerId}",
    "updateCustomerCredit": "/v1/customer-credits/{customerCreditId}",
}
MEDIA_TYPE = "application/json;charset=UTF-8"


def test_spec_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_official_fixture_is_the_shared_reference() -> None:
    # tests/data holds a copy so the tests run anywhere; when the shared reference is beside the
    # checkout (as in CI), the copy must not have gone stale.
    shared = ROOT.parent / "shared" / "reference" / "light-openapi-public.json"
    if not shared.exists():
        pytest.skip(
            "nothing to compare with: the maintainers' copy of Light's official API document "
            "(shared/reference/light-openapi-public.json, in the folder that holds this "
            "checkout) is not on this machine; the tests use the copy in tests/data"
        )
    assert json.loads(shared.read_bytes()) == load_json("light-openapi-public.json")


@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("side", ["request", "response"])
def test_every_official_property_path_is_described(
    spec: dict[str, Any], official: dict[str, Any], operation_id: str, side: str
) -> None:
    # The comparison is `make drift`'s (scripts/drift.py): only its known widenings may remain.
    index = 0 if side == "request" else 1
    theirs = operation_schemas(official, OPERATIONS[operation_id])[index]
    assert theirs is not None and len(property_paths(official, theirs)) > 10
    problems = [
        finding.difference.describe()
        for finding in drift(spec, official)
        if finding.difference.operation == operation_id
        and finding.difference.side == side
        and finding.known is None
    ]
    assert problems == []


def test_country_enum_has_all_official_values(spec: dict[str, Any]) -> None:
    countries = spec["components"]["schemas"]["CountryCode"]["enum"]
    assert len(countries) == 272
    assert countries[0] == "UNDEFINED"
    assert {"DK", "US", "GB"} <= set(countries)


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [("updateCustomer", "customer"), ("updateCustomerCredit", "customer_credit")],
)
def test_reference_page_examples_only_use_described_properties(
    spec: dict[str, Any], operation_id: str, name: str
) -> None:
    request, response = operation_schemas(spec, OPERATIONS[operation_id])
    assert request is not None and response is not None
    for schema, example in [
        (request, load_json(f"seed_{name}_request.json")),
        (response, load_json(f"seed_{name}_response.json")),
    ]:
        known = property_paths(spec, schema)
        assert sorted(set(_example_paths(example)) - set(known)) == []


def _example_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        children = [f"{path}.{key}" if path else key for key in value]
        return [
            found
            for child, item in zip(children, value.values(), strict=True)
            for found in [child, *_example_paths(item, child)]
        ]
    if isinstance(value, list):
        return [
            found for item in value for found in [f"{path}[]", *_example_paths(item, f"{path}[]")]
        ]
    return []


def test_readable_schema_names(spec: dict[str, Any]) -> None:
    names = set(spec["components"]["schemas"])
    assert {
        "Customer",
        "CustomerCredit",
        "UpdateCustomerRequest",
        "UpdateCustomerCreditRequest",
        "Address",
        "Error",
        "ErrorDetail",
    } <= names
    assert [name for name in names if name.endswith("V1Model") or "Api" in name] == []


@pytest.mark.parametrize("path", OPERATIONS.values())
def test_operation_contract(spec: dict[str, Any], path: str) -> None:
    operation = spec["paths"][path]["patch"]
    assert list(operation["requestBody"]["content"]) == [MEDIA_TYPE]
    responses = operation["responses"]
    assert list(responses["200"]["content"]) == [MEDIA_TYPE]
    error_ref = {"$ref": "#/components/schemas/Error"}
    for status, response in responses.items():
        if status == "200":
            continue
        name = response["$ref"].removeprefix("#/components/responses/")
        assert spec["components"]["responses"][name]["content"][MEDIA_TYPE]["schema"] == error_ref
    assert "default" in responses
    parameters = [p.get("$ref", p.get("name")) for p in operation["parameters"]]
    assert "#/components/parameters/IdempotencyKey" in parameters
    assert spec["components"]["parameters"]["IdempotencyKey"]["name"] == "X-Idempotency-Key"


def test_servers_and_security(spec: dict[str, Any]) -> None:
    assert spec["servers"] == [{"url": "https://api.light.inc"}]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["apiKeyAuth"]["description"],
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"apiKeyAuth": []}, {"bearerAuth": []}]


def test_test_data_is_where_tests_expect_it() -> None:
    assert Path(DATA / "light-openapi-public.json").is_file()


REQUEST_SCHEMAS = {
    "UpdateCustomerRequest": ("ExternalUpdateCustomerRequestV1Model", "ExternalCustomerV1Model"),
    "UpdateCustomerCreditRequest": (
        "ExternalUpdateCustomerCreditRequestV1Model",
        "ExternalCustomerCreditV1Model",
    ),
}
# Request properties Light describes in neither schema: their descriptions are ours.
OUR_DESCRIPTIONS = {
    "UpdateCustomerRequest.address",
    "UpdateCustomerRequest.billingAddress",
    "UpdateCustomerRequest.shippingAddress",
    "UpdateCustomerCreditRequest.currency",
    "UpdateCustomerCreditRequest.documentNumber",
}


def _official_description(official: dict[str, Any], models: tuple[str, str], name: str) -> str:
    """The first paragraph of Light's description of a property: request schema, else response
    schema; a description that is only the list of enum values does not count."""
    for model in models:
        text = (
            official["components"]["schemas"][model]["properties"].get(name, {}).get("description")
        )
        if text and not text.startswith("- "):
            return str(text).split("\n\n")[0]
    return ""


@pytest.mark.parametrize("schema", REQUEST_SCHEMAS)
def test_request_properties_carry_the_official_descriptions(
    spec: dict[str, Any], official: dict[str, Any], schema: str
) -> None:
    # They become the docstrings of the update(...) keywords.
    properties = spec["components"]["schemas"][schema]["properties"]
    described = {
        name: (
            prop.get("description"),
            _official_description(official, REQUEST_SCHEMAS[schema], name),
        )
        for name, prop in properties.items()
    }
    ours = {f"{schema}.{name}" for name, (_, theirs) in described.items() if not theirs}
    assert ours == {name for name in OUR_DESCRIPTIONS if name.startswith(f"{schema}.")}
    assert all(mine for mine, _ in described.values())
    assert {name: mine for name, (mine, theirs) in described.items() if theirs} == {
        name: theirs for name, (_, theirs) in described.items() if theirs
    }
