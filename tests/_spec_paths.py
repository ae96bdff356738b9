"""Flatten OpenAPI schemas into property paths, for comparing openapi.yaml with Light's document.

A path is ``"customProperties[].values[].id"``: object properties joined by dots, array items
written ``[]``. Each path maps to a ``Facts`` record of its JSON type, format, enum values and
whether null is allowed, in either OpenAPI dialect (3.0 ``nullable``, 3.1 ``type: [.., null]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class Facts:
    json_type: str | None
    format: str | None
    enum: frozenset[str]
    nullable: bool


def resolve(doc: Schema, schema: Schema) -> Schema:
    """Follow ``$ref`` chains to the schema they name."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def _unwrap(doc: Schema, schema: Schema) -> tuple[Schema, bool]:
    """The non-null schema behind ``schema`` and whether null is allowed."""
    nullable = bool(schema.get("nullable"))
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"]
            nullable = nullable or len(branches) < len(schema[key])
            (schema,) = branches
    if "$ref" in schema:
        target = resolve(doc, schema)
        return target, nullable or bool(target.get("nullable"))
    json_type = schema.get("type")
    if isinstance(json_type, list):
        nullable = nullable or "null" in json_type
        (single,) = [t for t in json_type if t != "null"]
        schema = {**schema, "type": single}
    return schema, nullable


def property_paths(doc: Schema, schema: Schema, prefix: str = "") -> dict[str, Facts]:
    """Every property path under ``schema`` with its facts."""
    out: dict[str, Facts] = {}
    schema = resolve(doc, schema)
    for name, prop in schema.get("properties", {}).items():
        _collect(doc, prop, f"{prefix}{name}", out)
    return out


def _collect(doc: Schema, prop: Schema, path: str, out: dict[str, Facts]) -> None:
    target, nullable = _unwrap(doc, prop)
    json_type = target.get("type", "object" if "properties" in target else None)
    out[path] = Facts(json_type, target.get("format"), frozenset(target.get("enum", ())), nullable)
    if json_type == "object":
        out.update(property_paths(doc, target, prefix=f"{path}."))
    elif json_type == "array":
        _collect(doc, target["items"], f"{path}[]", out)


def operation_schemas(doc: Schema, path: str) -> tuple[Schema, Schema]:
    """The request and the success-response schema of the PATCH operation at ``path``."""
    operation = doc["paths"][path]["patch"]
    (request,) = operation["requestBody"]["content"].values()
    responses = operation["responses"]
    success = responses.get("200") or responses["default"]
    (response,) = success["content"].values()
    return request["schema"], response["schema"]
