"""Check a response body against openapi.yaml before the generated models parse it.

The generated ``from_dict`` methods trust their input (a number where a string belongs passes
through; a malformed UUID in a nullable field is kept as a string). So every body is validated
first against the spec the models were generated from, and the first problem is reported with
its JSON path. Enum values are not checked: Light's enums are not exhaustive and the generated
enums accept new values. Unknown properties are allowed and kept.

Two validators, one verdict. Each schema is compiled once, on first use, by jsonschema-rs, which
answers "valid or not" in about what ``json.loads`` costs; only when it says "not" (or cannot
tell) does jsonschema walk the instance, and its answer is the one given: it names the path and
writes the message. The fast check is stricter than jsonschema or equal, never looser, so the
rules are jsonschema's alone; the fast one only saves the walk when there is nothing to report.
Nothing here is loaded at import: the spec and both validators come with the first check.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from .._core.checks import shorten
from .._core.errors import InvalidArgumentError
from .errors import ResponseValidationError
from .schemas import document

if TYPE_CHECKING:
    import httpx
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

__all__ = [
    "check_request",
    "is_nullable",
    "json_path",
    "nullable_properties",
    "parse_model",
    "request_document",
    "schema_problem",
]

ModelT = TypeVar("ModelT")
INT64 = range(-(2**63), 2**63)
_UUID_FORM = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


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


def _is_uuid(value: object) -> bool:
    # The usual form first (a regex is a tenth of UUID()); any other is what UUID() accepts.
    return (
        not isinstance(value, str) or bool(_UUID_FORM.fullmatch(value)) or UUID(value) is not None
    )


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or datetime.date.fromisoformat(value) is not None


def _is_datetime(value: object) -> bool:
    # The generated models parse with datetime.fromisoformat: accept exactly what they accept.
    return not isinstance(value, str) or datetime.datetime.fromisoformat(value) is not None


def _is_whole_number(value: object) -> bool:
    # JSON Schema's "integer" admits 2.0; an int64 field must hold a real integer.
    return not isinstance(value, float) and (not isinstance(value, int) or value in INT64)


# The formats checked, each failing by returning False or raising ValueError. Any other format
# in the spec is not checked.
FORMATS: dict[str, Callable[[object], bool]] = {
    "uuid": _is_uuid,
    "date": _is_date,
    "date-time": _is_datetime,
    "int32": _is_whole_number,
    "int64": _is_whole_number,
}
# The formats that apply to numbers: jsonschema-rs checks formats on strings only, so these are
# checked there by a keyword of ours instead.
NUMBER_FORMATS = frozenset({"int32", "int64"})
# The formats jsonschema-rs checks itself on the fast path: its "uuid" (the hyphenated 8-4-4-4-12
# hex form) accepts a subset of what UUID() accepts, so it never passes what ours would refuse,
# and another form (braces, urn:uuid:, no hyphens) goes to jsonschema, which accepts it. A call
# back into Python per value cost more than the rest of the check. Not "date-time": RFC 3339
# admits what fromisoformat refuses (a leap second, a lowercase "t"), so ours decides there.
NATIVE_FORMATS = frozenset({"uuid"})
# On the fast path a format is checked on strings only, where these parsers are the checks above
# less a call: the format holds when the string parses.
STRING_PARSERS: dict[str, Callable[[str], object]] = {
    "date": datetime.date.fromisoformat,
    "date-time": datetime.datetime.fromisoformat,
}
WHOLE_NUMBER_KEYWORD = "x-light-whole-number"


@cache
def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name, raises=ValueError)(check)
    return checker


# A schema name ending in this is a JSON array of that schema (a list answer or body).
ARRAY_SUFFIX = "[]"


def _root(schema_name: str) -> dict[str, Any]:
    components = _without_enums(document()["components"])
    name = schema_name.removesuffix(ARRAY_SUFFIX)
    reference = {"$ref": f"#/components/schemas/{name}"}
    if name != schema_name:
        return {"components": components, "type": "array", "items": reference}
    return {"components": components, **reference}


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    """jsonschema's validator: the rules, and the words for what breaks them."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_root(schema_name), format_checker=_format_checker())


# -- the fast check: jsonschema-rs, compiled once per schema ------------------------------------

# The types json.loads gives (and str subclasses: a str enum is its value). jsonschema-rs reads a
# tuple as an array and a Decimal as a number where jsonschema does not: an instance holding
# anything else is left to jsonschema.
_JSON_LEAF_TYPES = frozenset({int, float, bool, type(None)})


def _plain_json(node: Any) -> bool:
    kind = type(node)
    if kind is dict:
        return all(type(key) is str and _plain_json(value) for key, value in node.items())
    if kind is list:
        return all(_plain_json(item) for item in node)
    return kind in _JSON_LEAF_TYPES or isinstance(node, str)


def _for_fast(node: Any) -> Any:
    """The schema for jsonschema-rs: the number formats as our keyword, unchecked formats out."""
    if isinstance(node, list):
        return [_for_fast(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _for_fast(value) for key, value in node.items()}
    format_name = node.get("format")
    if isinstance(format_name, str) and format_name not in FORMATS.keys() - NUMBER_FORMATS:
        del converted["format"]
        if format_name in NUMBER_FORMATS:
            converted[WHOLE_NUMBER_KEYWORD] = True
    return converted


def _schema_refs(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_schema_refs, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
    return found.union(*map(_schema_refs, node.values()))


def _is_recursive(schema_name: str, path: frozenset[str] = frozenset()) -> bool:
    """Whether ``schema_name`` refers back to itself (or refers to anything but a component)."""
    schema_name = schema_name.removesuffix(ARRAY_SUFFIX)
    if schema_name in path:
        return True
    prefix = "#/components/schemas/"
    schemas = document()["components"]["schemas"]
    return any(
        not ref.startswith(prefix)
        or ref.removeprefix(prefix) not in schemas
        or _is_recursive(ref.removeprefix(prefix), path | {schema_name})
        for ref in _schema_refs(schemas[schema_name])
    )


def _never_raises(check: Callable[[str], object]) -> Callable[[str], bool]:
    def fast_format(value: str) -> bool:
        try:
            return check(value) is not False
        except Exception:  # "no" (jsonschema then says why, or raises as it always did)
            return False

    return fast_format


class _WholeNumber:
    """jsonschema-rs keyword: the int32/int64 format check, which must also see numbers."""

    def __init__(self, parent_schema: object, value: object, schema_path: object) -> None:
        pass

    def validate(self, instance: object) -> None:
        if not _is_whole_number(instance):
            raise ValueError("not a whole number in the int64 range")


@cache
def _fast_validator(schema_name: str) -> Callable[[Any], bool] | None:
    """jsonschema-rs's ``is_valid`` for ``schema_name``, or ``None`` where it must not be used.

    Not for a recursive schema: jsonschema-rs follows a ``$ref`` cycle down a deep instance
    until the C stack overflows (a crash, not a RecursionError); jsonschema is used there.
    """
    if _is_recursive(schema_name):
        return None
    import jsonschema_rs

    validator = jsonschema_rs.Draft202012Validator(
        _for_fast(_root(schema_name)),
        formats={
            name: _never_raises(STRING_PARSERS.get(name, check))
            for name, check in FORMATS.items()
            if name not in NUMBER_FORMATS | NATIVE_FORMATS
        },
        validate_formats=True,
        keywords={WHOLE_NUMBER_KEYWORD: _WholeNumber},
        offline=True,
    )
    return validator.is_valid


def _surely_valid(schema_name: str, instance: Any, *, from_json: bool = False) -> bool:
    """``True``: ``instance`` fits (jsonschema would find no problem). ``False``: ask jsonschema.

    ``from_json``: ``instance`` came from ``json.loads``, so it holds JSON's types only.
    """
    try:
        if not from_json and not _plain_json(instance):
            return False
        is_valid = _fast_validator(schema_name)
        return is_valid is not None and is_valid(instance)
    except Exception:  # too deep, a string jsonschema-rs cannot read, ...: jsonschema decides
        return False


def is_nullable(schema: Mapping[str, Any]) -> bool:
    """Whether a property schema (3.1 dialect) admits null."""
    types = schema.get("type")
    if isinstance(types, list) and "null" in types:
        return True
    return any(branch.get("type") == "null" for branch in schema.get("oneOf", ()))


@cache
def nullable_properties(schema_name: str) -> frozenset[str]:
    """The JSON names of ``schema_name``'s properties that may hold null."""
    properties = document()["components"]["schemas"][schema_name].get("properties", {})
    return frozenset(name for name, schema in properties.items() if is_nullable(schema))


def json_path(parts: Iterable[str | int]) -> str:
    """``["lines", 3, "amount"]`` -> ``"lines[3].amount"``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def schema_problem(schema_name: str, instance: Any) -> ValidationError | None:
    """The most relevant reason ``instance`` does not fit ``schema_name``, if any."""
    return None if _surely_valid(schema_name, instance) else _described(schema_name, instance)


def _described(schema_name: str, instance: Any) -> ValidationError | None:
    """jsonschema's verdict, with the path and the message: slower, for a suspect instance."""
    from jsonschema.exceptions import best_match

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


def check_request(schema_name: str, document: Any) -> None:
    """``ValueError`` naming the path, if ``document`` does not fit the request's schema.

    The generated models take whatever they are given (``amount=12500.0``, ``name=5``); this is
    what stops such a value before it is sent.
    """
    problem = schema_problem(schema_name, document)
    if problem is not None:
        where = json_path(problem.absolute_path) or "body"
        raise InvalidArgumentError(shorten(f"{schema_name}: {where}: {problem.message}"))


def parse_model(
    schema_name: str | None,
    parse: Callable[[Mapping[str, Any]], ModelT],
    response: httpx.Response,
    *,
    problems: list[str] | None = None,
) -> ModelT:
    """Decode, validate and parse a successful response; ``ResponseValidationError`` otherwise.
    ``schema_name`` ``None``: only decoded (an operation the spec does not describe).

    ``problems`` (lenient): a list to note where the body departs from the schema in (``path:
    message``), and parse it all the same; it raises only when the model cannot be built.
    """
    try:
        instance = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseValidationError("the body is not JSON", path=None, response=response) from exc
    except RecursionError:
        raise ResponseValidationError(
            "the body is nested too deep to read", path=None, response=response
        ) from None
    try:
        problem = (
            None
            if schema_name is None or _surely_valid(schema_name, instance, from_json=True)
            else _described(schema_name, instance)
        )
    except RecursionError:
        raise ResponseValidationError(
            "the body is nested too deep to check", path=None, response=response
        ) from None
    if problem is not None:
        where = json_path(problem.absolute_path) or None
        if problems is None:
            raise ResponseValidationError(
                problem.message, path=where, response=response, instance=instance
            ) from problem
        problems.append(shorten(f"{where or 'body'}: {problem.message}"))
    try:
        return parse(instance)
    except Exception as exc:
        if problem is not None:  # lenient, but the model cannot be built: the schema says why
            raise ResponseValidationError(
                problem.message,
                path=json_path(problem.absolute_path) or None,
                response=response,
                instance=instance,
            ) from exc
        # The schema passed: anything here is a generator/spec mismatch.
        raise ResponseValidationError(
            f"{type(exc).__name__}: {exc}", path=None, response=response, instance=instance
        ) from exc
