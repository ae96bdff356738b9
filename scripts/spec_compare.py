"""Compare two OpenAPI documents operation by operation: what `make drift`, `make changes` and
tests/generated/test_spec.py share.

Schemas are flattened into property paths: ``"customProperties[].values[].id"`` (object
properties joined by dots, array items written ``[]``), each with a ``Facts`` record of its JSON
type, format, enum values and whether null is allowed, in either OpenAPI dialect (3.0
``nullable``, 3.1 ``type: [.., null]``). Operations are matched by method and path, with path
parameter names left out (``/v1/customers/{}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "Difference",
    "Facts",
    "compare_operation",
    "find_operation",
    "operation_schemas",
    "operations",
    "property_paths",
    "resolve",
    "template",
]

Schema = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Facts:
    json_type: str | None
    format: str | None
    enum: frozenset[str]
    nullable: bool
    required: bool = False


@dataclass(frozen=True)
class Difference:
    """One difference between a ``base`` document and a ``head`` one, for one operation.

    ``kind``: ``property-added`` / ``property-removed`` (in head only / in base only), ``type``,
    ``format``, ``nullable``, ``enum-added`` / ``enum-removed``, ``required``, ``header-added`` /
    ``header-removed`` / ``header``, ``security``, ``operation-added`` / ``operation-removed``.
    ``side``: ``request``, ``response`` or ``operation``. ``base`` and ``head``: the values.
    """

    operation: str
    side: str
    kind: str
    where: str
    base: str | None = None
    head: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.base is None and self.head is None:
            return f"{self.where}: {self.kind}"
        return f"{self.where}: {self.kind} ({self.base} -> {self.head})"


def resolve(doc: Schema, schema: Schema) -> Schema:
    """Follow ``$ref`` chains to the schema they name."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def _resolve_any(doc: Schema, node: Schema) -> Schema:
    """Follow a ``$ref`` to any component (parameter, response, schema)."""
    while "$ref" in node:
        section, name = node["$ref"].removeprefix("#/components/").split("/", 1)
        node = doc["components"][section][name]
    return node


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
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        _collect(doc, prop, f"{prefix}{name}", out, name in required)
    return out


def _collect(doc: Schema, prop: Schema, path: str, out: dict[str, Facts], required: bool) -> None:
    target, nullable = _unwrap(doc, prop)
    json_type = target.get("type", "object" if "properties" in target else None)
    enum = frozenset(str(value) for value in target.get("enum", ()) if value is not None)
    out[path] = Facts(json_type, target.get("format"), enum, nullable, required)
    if json_type == "object":
        out.update(property_paths(doc, target, prefix=f"{path}."))
    elif json_type == "array":
        _collect(doc, target["items"], f"{path}[]", out, False)


def template(path: str) -> str:
    """``/v1/customers/{}`` for ``/v1/customers/{customerId}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(doc: Schema) -> Iterator[tuple[str, str, Schema]]:
    """``(method, path, operation)`` for every operation of ``doc``."""
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield method, path, item[method]


def find_operation(doc: Schema, method: str, path: str) -> tuple[str, Schema] | None:
    """The path (as ``doc`` spells it) and the operation of ``method`` on ``path``, if any."""
    for other_method, other_path, operation in operations(doc):
        if other_method == method and template(other_path) == template(path):
            return other_path, operation
    return None


def operation_schemas(
    doc: Schema, path: str, method: str = "patch"
) -> tuple[Schema | None, Schema | None]:
    """The request and the success-response schema of the operation (``None``: there is none)."""
    found = find_operation(doc, method, path)
    if found is None:
        raise LookupError(f"no {method.upper()} {path}")
    operation = found[1]
    request = None
    if "requestBody" in operation:
        (media,) = _resolve_any(doc, operation["requestBody"])["content"].values()
        request = media["schema"]
    responses = operation["responses"]
    success = _resolve_any(doc, responses.get("200") or responses.get("default") or {})
    response = None
    if success.get("content"):
        (media,) = success["content"].values()
        response = media.get("schema")  # None: Light gives its answer no schema
    return request, response


def _nullable(facts: Facts) -> str:
    return "nullable" if facts.nullable else "not nullable"


def _required(facts: Facts) -> str:
    return "required" if facts.required else "optional"


def _facts_differences(
    name: str, side: str, base: dict[str, Facts], head: dict[str, Facts]
) -> Iterator[Difference]:
    for path in sorted(base.keys() | head.keys()):
        old, new = base.get(path), head.get(path)
        if old is None:
            yield Difference(name, side, "property-added", path)
            continue
        if new is None:
            yield Difference(name, side, "property-removed", path)
            continue
        for kind, before, after in (
            ("type", old.json_type, new.json_type),
            ("format", old.format, new.format),
            ("nullable", _nullable(old), _nullable(new)),
            ("required", _required(old), _required(new)),
        ):
            if before != after:
                yield Difference(name, side, kind, path, str(before), str(after))
        for value in sorted(new.enum - old.enum):
            yield Difference(name, side, "enum-added", path, None, value)
        for value in sorted(old.enum - new.enum):
            yield Difference(name, side, "enum-removed", path, value, None)


def _headers(doc: Schema, operation: Schema) -> dict[str, tuple[bool, str | None]]:
    """Header parameters: ``{name (lower case): (required, JSON type)}``."""
    out = {}
    for parameter in operation.get("parameters", ()):
        parameter = _resolve_any(doc, parameter)
        if parameter.get("in") == "header":
            schema, _ = _unwrap(doc, parameter.get("schema", {}))
            out[parameter["name"].lower()] = (bool(parameter.get("required")), schema.get("type"))
    return out


def _security(doc: Schema, operation: Schema) -> list[str]:
    """Each accepted way to authenticate, with its scheme's definition."""
    requirements = operation.get("security", doc.get("security")) or []
    schemes = doc.get("components", {}).get("securitySchemes", {})
    out = []
    for requirement in requirements:
        parts = []
        for name in sorted(requirement):
            scheme = schemes.get(name, {})
            shape = ",".join(
                f"{key}={scheme[key]}" for key in ("type", "in", "name", "scheme") if key in scheme
            )
            parts.append(f"{name}({shape})")
        out.append("+".join(parts) or "none")
    return sorted(out)


def compare_operation(
    base: Schema, head: Schema, method: str, path: str, name: str | None = None
) -> list[Difference]:
    """Every difference of one operation from ``base`` to ``head`` (both must have it)."""
    base_path, base_op = find_operation(base, method, path) or (None, None)
    head_path, head_op = find_operation(head, method, path) or (None, None)
    name = name or f"{method.upper()} {path}"
    if base_op is None or base_path is None:
        return [Difference(name, "operation", "operation-added", f"{method.upper()} {path}")]
    if head_op is None or head_path is None:
        return [Difference(name, "operation", "operation-removed", f"{method.upper()} {path}")]
    out: list[Difference] = []
    if base_path != head_path:
        out.append(Difference(name, "operation", "path", "path", base_path, head_path))
    schemas = zip(
        operation_schemas(base, base_path, method),
        operation_schemas(head, head_path, method),
        strict=True,
    )
    for side, (old, new) in zip(("request", "response"), schemas, strict=True):
        if (old is None) != (new is None):
            kind = "body-added" if old is None else "body-removed"
            out.append(Difference(name, side, kind, "body"))
        old_paths = {} if old is None else property_paths(base, old)
        new_paths = {} if new is None else property_paths(head, new)
        out += _facts_differences(name, side, old_paths, new_paths)
    old_headers, new_headers = _headers(base, base_op), _headers(head, head_op)
    for header in sorted(old_headers.keys() | new_headers.keys()):
        before, after = old_headers.get(header), new_headers.get(header)
        if before is None:
            out.append(Difference(name, "request", "header-added", header, None, str(after)))
        elif after is None:
            out.append(Difference(name, "request", "header-removed", header, str(before), None))
        elif before != after:
            out.append(Difference(name, "request", "header", header, str(before), str(after)))
    old_security, new_security = _security(base, base_op), _security(head, head_op)
    if old_security != new_security:
        out.append(
            Difference(
                name,
                "operation",
                "security",
                "security",
                "; ".join(old_security),
                "; ".join(new_security),
            )
        )
    return out
