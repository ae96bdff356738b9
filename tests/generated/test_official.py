"""Light's document as published, normalised (scripts/official.py), and adopted into openapi.yaml
a tag at a time (scripts/adopt.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

import official
import pytest
import yaml
from adopt import AdoptError, adopt, our_names

from tests.conftest import ROOT

SPEC_TEXT = (ROOT / "openapi.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    return official.load()


@pytest.fixture(scope="module")
def normalised(published: dict[str, Any]) -> dict[str, Any]:
    return official.normalise(published)


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for item in node:
            found += _walk(item)
    return found


def test_normalising_leaves_the_published_document_alone(published: dict[str, Any]) -> None:
    before = json.dumps(published, sort_keys=True)
    first = official.normalise(published)
    assert json.dumps(published, sort_keys=True) == before
    assert official.normalise(published) == first  # deterministic


def test_each_rule_holds_over_the_whole_document(normalised: dict[str, Any]) -> None:
    ops = list(official.operations(normalised))
    assert len(ops) == 181
    assert {method for method, _, _ in ops} == {"get", "post", "patch", "put", "delete"}
    assert normalised["openapi"] == "3.1.0"
    nodes = _walk(normalised)
    assert not [node for node in nodes if "nullable" in node]
    for _, _, operation in ops:
        assert "default" not in operation["responses"]
        assert not any(tag.startswith("v1 - ") for tag in operation["tags"])
        assert not any(p.get("deprecated") for p in operation.get("parameters", []))
        for answer in operation["responses"].values():
            for media in (answer.get("content") or {}).values():
                # PDFs are binary; schemaless JSON is gone from writes, any JSON ({}) on a GET.
                assert "schema" in media
    schemas = normalised["components"]["schemas"]
    assert "Customer" in schemas and "ExternalCustomerV1Model" not in schemas
    assert "Error" in schemas and "ErrorDetail" in schemas
    assert not [name for name, schema in schemas.items() if "title" in schema]


def test_a_nullable_component_is_nullable_where_it_is_used(normalised: dict[str, Any]) -> None:
    schemas = normalised["components"]["schemas"]
    # PhoneNumber is `nullable: true` in Light's document: the model is not, its uses are.
    assert schemas["PhoneNumber"]["type"] == "object"
    uses = [
        node
        for node in _walk(schemas)
        if any(b.get("$ref") == "#/components/schemas/PhoneNumber" for b in node.get("oneOf", []))
    ]
    assert uses and all({"type": "null"} in node["oneOf"] for node in uses)


def test_a_nullable_enum_is_the_enum_or_null(normalised: dict[str, Any]) -> None:
    source = normalised["components"]["schemas"]["Contract"]["properties"]["externalSource"]
    assert source["oneOf"][1] == {"type": "null"}
    assert source["oneOf"][0]["enum"] == ["HUBSPOT", "SALESFORCE"]


def test_a_discriminated_parent_no_longer_cycles(normalised: dict[str, Any]) -> None:
    schemas = normalised["components"]["schemas"]
    parent = schemas["InvoicePayablePaymentEntry"]
    assert "oneOf" not in parent
    kind = schemas["InvoicePayablePaymentBankPaymentEntry"]
    assert all("$ref" not in part for part in kind["allOf"])


def test_the_form_body_is_a_named_model_and_dates_are_dates(normalised: dict[str, Any]) -> None:
    token = normalised["paths"]["/oauth/token"]["post"]["requestBody"]["content"]
    (media,) = token.values()
    assert media["schema"] == {"$ref": "#/components/schemas/GetOAuthTokenRequest"}
    balance = normalised["paths"]["/v1/bank-accounts/{bankAccountId}/balance"]["get"]
    (as_of,) = balance["parameters"][1:]
    assert as_of["schema"] == {"type": "string", "format": "date"}


def test_every_normalisation_says_why() -> None:
    for step in official.NORMALISATIONS:
        assert step.__doc__ and len(step.__doc__.split()) > 15, step.__name__


def test_adopting_a_tag_adds_its_operations_in_our_conventions(published: dict[str, Any]) -> None:
    text, report = adopt(SPEC_TEXT, published, "v1 - Products")
    # Nothing of openapi.yaml is rewritten: its lines are all there, in order.
    lines = iter(text.splitlines())
    assert all(line in lines for line in SPEC_TEXT.splitlines())
    document = yaml.safe_load(text)
    products = sorted(
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "Products" in op.get("tags", [])
    )
    assert products == [
        "archiveProduct",
        "createProduct",
        "getProductById",
        "listProducts",
        "updateProduct",
    ]
    create = document["paths"]["/v1/products"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in create["parameters"]
    assert create["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert "added    createProduct (POST /v1/products)" in report
    assert "Product" in document["components"]["schemas"]
    again, second = adopt(text, published, "Products")
    assert again == text and not [line for line in second if line.startswith("added")]


def test_a_tag_openapi_yaml_has_whole_adds_nothing(published: dict[str, Any]) -> None:
    text, report = adopt(SPEC_TEXT, published, "Customer Credits")
    assert text == SPEC_TEXT
    assert [line.split()[0] for line in report if "(" in line] == ["kept"] * 16


def test_lights_schemas_take_the_names_openapi_yaml_gives_them(
    published: dict[str, Any], normalised: dict[str, Any]
) -> None:
    # Paired through the operations both documents have, then their properties.
    names = our_names(yaml.safe_load(SPEC_TEXT), normalised)
    assert names["SetCustomPropertyRequestV1Model"] == "SetCustomPropertyRequest"
    assert "Customer" not in names  # the same name on both sides: nothing to rename


def test_adopting_keeps_the_file_whole_whatever_its_edges(published: dict[str, Any]) -> None:
    # No newline at the end, a comment heading the next section, CRLF line endings.
    text = SPEC_TEXT.rstrip("\n").replace("\ncomponents:", "\n# The components.\ncomponents:")
    adopted, _ = adopt(text, published, "Products")
    document = yaml.safe_load(adopted)
    assert len(document["paths"]["/v1/products/{productId}"]) == 2
    assert "\n# The components.\ncomponents:" in adopted
    assert (
        document["components"]["schemas"]["ExternalSourceName"]
        == yaml.safe_load(SPEC_TEXT)["components"]["schemas"]["ExternalSourceName"]
    )
    crlf, _ = adopt(SPEC_TEXT.replace("\n", "\r\n"), published, "Customer Credits")
    assert yaml.safe_load(crlf) == yaml.safe_load(
        adopt(SPEC_TEXT, published, "Customer Credits")[0]
    )


def test_an_unknown_tag_is_refused_with_the_tags_there_are(published: dict[str, Any]) -> None:
    with pytest.raises(AdoptError, match=r"no operation of Light's document has the tag 'Produce'"):
        adopt(SPEC_TEXT, copy.deepcopy(published), "v1 - Produce")
