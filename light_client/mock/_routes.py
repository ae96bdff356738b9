"""The mock's routes, taken from openapi.yaml: an operation added there is served with no code
here (only a state handler for a new method). Parsed once per process."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from openapi_core import OpenAPI

from .._runtime.schemas import document

__all__ = [
    "Operation",
    "Route",
    "camel",
    "parsed_openapi",
    "read_only",
    "read_only_fields",
    "routes",
]


@dataclass(frozen=True)
class Operation:
    """One operation of openapi.yaml, as the mock serves it."""

    resource: str  # the schema of its 200 answer: also the kind of resource in the store
    request: str | None  # the schema of its request body, if it has one
    answers: dict[str, str]  # status ("200", "404", "default") -> schema of that answer
    # What it does to the store: the first word of its operationId (get, list, create, update,
    # archive, activate, ...), as the SDK names its method.
    verb: str = ""
    # For a list: the kind of its records (the schema of a page's ``records`` items).
    records: str | None = None
    # For an operation on what a resource holds (a path segment after the resource's id): the
    # resource's kind, and the segment -- for a collection, the resource's array property of
    # that name (``lines``), whose items are the answer; else a link (``invoice-receivables``).
    parent: str | None = None
    segment: str | None = None
    collection: bool = False

    def answer_schema(self, status: int) -> str | None:
        return self.answers.get(str(status), self.answers.get("default"))


@dataclass(frozen=True)
class Route:
    """A path of openapi.yaml: its pattern (a named group per parameter) and its operations."""

    template: str
    pattern: re.Pattern[str]
    operations: dict[str, Operation]  # by method, upper case


def _schema_name(content: dict[str, Any] | None) -> str | None:
    if not content:
        return None
    (media,) = content.values()
    ref = media.get("schema", {}).get("$ref")
    return ref.removeprefix("#/components/schemas/") if isinstance(ref, str) else None


def _answers(spec: dict[str, Any], responses: dict[str, Any]) -> dict[str, str]:
    found = {}
    for status, response in responses.items():
        if "$ref" in response:  # "#/components/responses/NotFound"
            response = spec["components"]["responses"][response["$ref"].rpartition("/")[2]]
        name = _schema_name(response.get("content"))
        if name is not None:
            found[status] = name
    return found


def _operation(spec: dict[str, Any], template: str, operation: dict[str, Any]) -> Operation:
    # An answer with no content (a delete, a submit) is about the resource the path names.
    resource = _schema_name(operation["responses"]["200"].get("content")) or ""
    schemas = spec["components"]["schemas"]
    records = schemas.get(resource, {}).get("properties", {}).get("records")
    parent, segment = _holder(spec, template)
    collection = False
    if parent is not None and segment is not None:
        held = schemas[parent].get("properties", {}).get(camel(segment), {})
        items = str(held.get("items", {}).get("$ref", "")).rpartition("/")[2]
        # A collection's items are its answer (a delete answers nothing: its items still are).
        collection = held.get("type") == "array" and bool(items) and resource in (items, "")
        resource = resource or (items if collection else "")
    return Operation(
        resource or (parent or ""),
        _schema_name(operation.get("requestBody", {}).get("content")),
        _answers(spec, operation["responses"]),
        verb=re.split(r"(?=[A-Z])", operation["operationId"])[0],
        records=records["items"]["$ref"].rpartition("/")[2] if records else None,
        parent=parent,
        segment=segment,
        collection=collection,
    )


def camel(segment: str) -> str:
    """``invoice-receivables`` -> ``invoiceReceivables``."""
    first, *rest = segment.split("-")
    return first + "".join(word.capitalize() for word in rest)


def _holder(spec: dict[str, Any], template: str) -> tuple[str | None, str | None]:
    """For a path below a resource's id (``/v1/customer-credits/{id}/lines/{lineId}``): the
    resource's kind (its GET's answer) and the segment after the id; else ``(None, None)``."""
    segments = template.split("/")
    first = next((i for i, s in enumerate(segments) if s.startswith("{")), None)
    if first is None or first + 1 >= len(segments) or segments[first + 1].startswith("{"):
        return None, None
    resource_path = "/".join(segments[: first + 1])
    getter = spec["paths"].get(resource_path, {}).get("get")
    if getter is None:
        return None, None
    parent = _schema_name(getter["responses"]["200"].get("content"))
    return parent, segments[first + 1]


@functools.cache
def routes() -> tuple[Route, ...]:
    """The routes of openapi.yaml: an operation added there is routed with no code here."""
    spec = document()
    found = []
    for template, item in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template) + "$")
        operations = {
            method.upper(): _operation(spec, template, operation)
            for method, operation in item.items()
            if isinstance(operation, dict) and "responses" in operation
        }
        found.append(Route(template, pattern, operations))
    return tuple(found)


@functools.cache
def parsed_openapi() -> OpenAPI:
    """openapi.yaml parsed for openapi-core once per process (building it takes ~200 ms)."""
    return OpenAPI.from_dict(document())


def read_only_fields(schemas: dict[str, Any], resource: str, request: str) -> frozenset[str]:
    """Fields a client cannot write: those of the resource its request schema does not have
    (set by the server: ``id``, ``createdAt``, ``status``...), and any marked ``readOnly``."""
    resource_properties = schemas[resource]["properties"]
    request_properties = schemas[request]["properties"]
    marked = {
        name
        for properties in (resource_properties, request_properties)
        for name, schema in properties.items()
        if schema.get("readOnly") is True
    }
    return frozenset(resource_properties.keys() - request_properties.keys() | marked)


@functools.cache
def read_only(resource: str, request: str) -> frozenset[str]:
    return read_only_fields(document()["components"]["schemas"], resource, request)
