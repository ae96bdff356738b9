"""Check a response body against openapi.yaml before the generated models parse it.

The generated ``from_dict`` methods trust their input (a number where a string belongs passes
through; a malformed UUID in a nullable field is kept as a string). So every body is validated
first with jsonschema against the spec the models were generated from, and the first problem is
reported with its JSON path. Enum values are not checked: Light's enums are not exhaustive and
the generated enums accept new values. Unknown properties are allowed and kept.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar
from uuid import UUID

import httpx
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from ._checks import shorten
from ._exceptions import ResponseValidationError

__all__ = [
    "check_request",
    "is_nullable",
    "json_path",
    "nullable_properties",
    "parse_model",
    "request_document",
    "response_schema_name",
    "schema_problem",
]

ModelT = TypeVar("ModelT")
INT64 = range(-(2**63), 2**63)


@cache
def _spec() -> dict[str, Any]:
    text = files("light_client._generated").joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def _without_enums(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_enums(value)
            for key, value in node.items()
            if not (key == "enum" and isinstance(value, list))
        }
    if isinstance(node, list):
        return [_without_enums(item) for item in node]
    return node


_formats = FormatChecker(formats=())


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or UUID(value) is not None


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or datetime.date.fromisoformat(value) is not None


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    # The generated models parse with datetime.fromisoformat: accept exactly what they accept.
    return not isinstance(value, str) or datetime.datetime.fromisoformat(value) is not None


@_formats.checks("int64")
@_formats.checks("int32")
def _is_whole_number(value: object) -> bool:
    # JSON Schema's "integer" admits 2.0; an int64 field must hold a real integer.
    return not isinstance(value, float) and (not isinstance(value, int) or value in INT64)


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    components = _without_enums(_spec()["components"])
    root = {"components": components, "$ref": f"#/components/schemas/{schema_name}"}
    return Draft202012Validator(root, format_checker=_formats)


@cache
def response_schema_name(operation_id: str) -> str:
    """The schema of the 200 answer of ``operation_id``, as named in ``components.schemas``."""
    for path_item in _spec()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                (media,) = operation["responses"]["200"]["content"].values()
                ref: str = media["schema"]["$ref"]
                return ref.removeprefix("#/components/schemas/")
    raise LookupError(f"no operation {operation_id!r} in openapi.yaml")


def is_nullable(schema: Mapping[str, Any]) -> bool:
    """Whether a property schema (3.1 dialect) admits null."""
    types = schema.get("type")
    if isinstance(types, list) and "null" in types:
        return True
    return any(branch.get("type") == "null" for branch in schema.get("oneOf", ()))


@cache
def nullable_properties(schema_name: str) -> frozenset[str]:
    """The JSON names of ``schema_name``'s properties that may hold null."""
    properties = _spec()["components"]["schemas"][schema_name].get("properties", {})
    return frozenset(name for name, schema in properties.items() if is_nullable(schema))


def json_path(parts: Iterable[str | int]) -> str:
    """``["lines", 3, "amount"]`` -> ``"lines[3].amount"``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def schema_problem(schema_name: str, instance: Any) -> ValidationError | None:
    """The most relevant reason ``instance`` does not fit ``schema_name``, if any."""
    problem: ValidationError | None = best_match(_validator(schema_name).iter_errors(instance))
    return problem


def request_document(request_type: type[Any], model: Any) -> dict[str, Any]:
    """The JSON document of a request model; ``ValueError`` when a field cannot be encoded."""
    try:
        document: dict[str, Any] = model.to_dict()
    except (AttributeError, TypeError, ValueError) as exc:  # e.g. a str where a date belongs
        raise ValueError(
            shorten(f"{request_type.__name__}: a field has a value of the wrong type ({exc})")
        ) from None
    return document


def check_request(request_type: type[Any], document: Mapping[str, Any]) -> None:
    """``ValueError`` naming the path, if ``document`` does not fit the request's schema.

    The generated models take whatever they are given (``amount=12500.0``, ``name=5``); this is
    what stops such a value before it is sent.
    """
    problem = schema_problem(request_type.__name__, document)
    if problem is not None:
        where = json_path(problem.absolute_path) or "body"
        raise ValueError(shorten(f"{request_type.__name__}: {where}: {problem.message}"))


def parse_model(
    schema_name: str,
    parse: Callable[[Mapping[str, Any]], ModelT],
    response: httpx.Response,
) -> ModelT:
    """Decode, validate and parse a successful response; ``ResponseValidationError`` otherwise."""
    try:
        instance = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseValidationError("the body is not JSON", path=None, response=response) from exc
    except RecursionError:
        raise ResponseValidationError(
            "the body is nested too deep to read", path=None, response=response
        ) from None
    try:
        problem = schema_problem(schema_name, instance)
    except RecursionError:
        raise ResponseValidationError(
            "the body is nested too deep to check", path=None, response=response
        ) from None
    if problem is not None:
        raise ResponseValidationError(
            problem.message,
            path=json_path(problem.absolute_path) or None,
            response=response,
            instance=instance,
        ) from problem
    try:
        return parse(instance)
    except Exception as exc:  # the schema passed: anything here is a generator/spec mismatch
        raise ResponseValidationError(
            f"{type(exc).__name__}: {exc}", path=None, response=response, instance=instance
        ) from exc
