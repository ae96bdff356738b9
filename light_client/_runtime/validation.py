"""Check a response body against openapi.yaml before the generated models parse it.

The generated ``from_dict`` methods trust their input (a number where a string belongs passes
through; a malformed UUID in a nullable field is kept as a string). So every body is validated
first against the spec the models were generated from, and the first problem is reported with
its JSON path. Enum values are not checked: Light's enums are not exhaustive and the generated
enums accept new values. Unknown properties are allowed and kept.

One validator, jsonschema-rs: each schema is compiled once, on first use, twice. The fast one
answers "valid or not" in about what ``json.loads`` costs, with jsonschema-rs's own "uuid"
check; only when it says "not" does the other walk the instance with all of our format checks
in Python (the rules), and its first error, worded here, is the answer: the path and what is
wrong (``amount: 12.5 is not of type 'integer', 'null'``). The fast one is stricter or equal,
never looser. Nothing here is loaded at import: the spec and the validators come with the first
check.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from .._core.checks import shorten
from .._core.errors import InvalidArgumentError
from .errors import ResponseValidationError
from .schemas import document

if TYPE_CHECKING:
    import httpx
    from jsonschema_rs import ValidationError

__all__ = [
    "SchemaProblem",
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
# and another form (braces, urn:uuid:, no hyphens) goes to the full check, where ours accepts it.
# A call back into Python per value cost more than the rest of the check. Not "date-time": RFC
# 3339 admits what fromisoformat refuses (a leap second, a lowercase "t"), so ours decides there.
NATIVE_FORMATS = frozenset({"uuid"})
# A format is checked on strings only, where these parsers are the checks above less a call: the
# format holds when the string parses.
STRING_PARSERS: dict[str, Callable[[str], object]] = {
    "date": datetime.date.fromisoformat,
    "date-time": datetime.datetime.fromisoformat,
}
WHOLE_NUMBER_KEYWORD = "x-light-whole-number"


# A schema name ending in this is a JSON array of that schema (a list answer or body).
ARRAY_SUFFIX = "[]"


def _root(schema_name: str) -> dict[str, Any]:
    components = _without_enums(document()["components"])
    name = schema_name.removesuffix(ARRAY_SUFFIX)
    reference = {"$ref": f"#/components/schemas/{name}"}
    if name != schema_name:
        return {"components": components, "type": "array", "items": reference}
    return {"components": components, **reference}


# The types json.loads gives (and str subclasses: a str enum is its value). jsonschema-rs would
# read a tuple as an array and a Decimal as a number, which JSON has no type for: an instance
# holding anything else is refused, naming where.
_JSON_LEAF_TYPES = frozenset({int, float, bool, type(None)})
# A recursive schema is checked only on an instance at most this deep: jsonschema-rs follows a
# $ref cycle down a deep instance until the C stack overflows (a crash, not a RecursionError).
MAX_RECURSIVE_DEPTH = 200


@dataclass(frozen=True)
class SchemaProblem:
    """Why an instance does not fit its schema: where (``path``, JSON names and indexes) and
    what is wrong (``message``, e.g. ``"5 is not of type 'string'"``)."""

    path: tuple[str | int, ...]
    message: str

    @property
    def where(self) -> str:
        """The path as ``lines[3].amount`` (``""`` for the instance as a whole)."""
        return json_path(self.path)


def _foreign_value(node: Any, *, max_depth: int | None = None) -> SchemaProblem | None:
    """The first value JSON has no type for (a tuple, a ``Decimal``, NaN) as a problem, or one
    for an instance nested deeper than ``max_depth``; ``None`` when ``node`` is plain JSON.

    A walk with a stack of its own: a deep instance is no RecursionError here."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(node, ())]
    while stack:
        value, path = stack.pop()
        if max_depth is not None and len(path) > max_depth:
            message = f"is nested deeper than {max_depth} levels, which is not checked"
            return SchemaProblem(path[:max_depth], message)
        kind = type(value)
        if kind is dict:
            for key, item in reversed(value.items()):
                if type(key) is not str:
                    return SchemaProblem(path, f"has a key that is not a string: {key!r}")
                stack.append((item, (*path, key)))
        elif kind is list:
            stack.extend((item, (*path, index)) for index, item in reversed(list(enumerate(value))))
        elif kind is float and not math.isfinite(value):
            return SchemaProblem(path, f"{value!r} is not a JSON number")
        elif kind not in _JSON_LEAF_TYPES and not isinstance(value, str):
            return SchemaProblem(path, f"{value!r} is not a JSON value (a {kind.__name__})")
    return None


def _for_rs(node: Any) -> Any:
    """The schema for jsonschema-rs: the number formats as our keyword, unchecked formats out."""
    if isinstance(node, list):
        return [_for_rs(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _for_rs(value) for key, value in node.items()}
    format_name = node.get("format")
    if isinstance(format_name, str) and format_name not in FORMATS.keys() - NUMBER_FORMATS:
        del converted["format"]
        if format_name in NUMBER_FORMATS:
            converted[WHOLE_NUMBER_KEYWORD] = format_name
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


@cache
def _recursive(schema_name: str) -> bool:
    return _is_recursive(schema_name)


def _never_raises(check: Callable[[str], object]) -> Callable[[str], bool]:
    def string_format(value: str) -> bool:
        try:
            return check(value) is not False
        except Exception:  # the format does not hold
            return False

    return string_format


class _WholeNumber:
    """jsonschema-rs keyword: the int32/int64 format check, which must also see numbers."""

    def __init__(self, parent_schema: object, value: object, schema_path: object) -> None:
        self.format = value

    def validate(self, instance: object) -> None:
        if not _is_whole_number(instance):
            raise ValueError(f"is not a '{self.format}'")  # worded as "2.0 is not a 'int64'"


def _compiled(schema_name: str, *, native: frozenset[str]) -> Any:
    """A jsonschema-rs validator of ``schema_name``; the formats in ``native`` are its own."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(
        _for_rs(_root(schema_name)),
        formats={
            name: _never_raises(STRING_PARSERS.get(name, check))
            for name, check in FORMATS.items()
            if name not in NUMBER_FORMATS | native
        },
        validate_formats=True,
        keywords={WHOLE_NUMBER_KEYWORD: _WholeNumber},
        offline=True,
    )


@cache
def _fast_validator(schema_name: str) -> Callable[[Any], bool]:
    """``is_valid`` for ``schema_name``, with jsonschema-rs's "uuid" (a subset of ours)."""
    is_valid: Callable[[Any], bool] = _compiled(schema_name, native=NATIVE_FORMATS).is_valid
    return is_valid


@cache
def _full_validator(schema_name: str) -> Callable[[Any], Iterable[ValidationError]]:
    """``iter_errors`` for ``schema_name``, every format ours: the rules, and the errors."""
    iter_errors: Callable[[Any], Iterable[ValidationError]] = _compiled(
        schema_name, native=frozenset()
    ).iter_errors
    return iter_errors


def _surely_valid(schema_name: str, instance: Any, *, from_json: bool = False) -> bool:
    """``True``: ``instance`` fits. ``False``: ask ``_described`` (which may still find none).

    ``from_json``: ``instance`` came from ``json.loads``, so it holds JSON's types only.
    """
    if _guard(schema_name, instance, from_json=from_json) is not None:
        return False
    try:
        return _fast_validator(schema_name)(instance)
    except Exception:  # a string jsonschema-rs cannot read, ...: the full check decides
        return False


def _guard(schema_name: str, instance: Any, *, from_json: bool) -> SchemaProblem | None:
    """What must be refused before jsonschema-rs sees ``instance``: a value JSON has no type
    for, or an instance too deep for a recursive schema."""
    max_depth = MAX_RECURSIVE_DEPTH if _recursive(schema_name) else None
    if from_json and max_depth is None:
        return None
    return _foreign_value(instance, max_depth=max_depth)


def _described(schema_name: str, instance: Any, *, from_json: bool = False) -> SchemaProblem | None:
    """The full check's verdict, with the path and the message: slower, for a suspect instance."""
    guarded = _guard(schema_name, instance, from_json=from_json)
    if guarded is not None:
        return guarded
    try:
        errors = list(_full_validator(schema_name)(instance))
    except Exception as exc:  # e.g. a string that is not valid Unicode (a lone surrogate)
        if "recursion limit" in str(exc).lower():  # jsonschema-rs's own limit on depth
            return SchemaProblem((), "the body is nested too deep to check")
        return SchemaProblem((), f"cannot be checked: {exc}")
    return _best(errors, instance)


def _best(errors: list[ValidationError], instance: Any) -> SchemaProblem | None:
    """The most telling of ``errors``, worded: the shallowest, and within a ``oneOf`` or
    ``anyOf`` the branch the instance was meant for (the only one of its type)."""
    from jsonschema_rs import ValidationErrorKind as Kind

    if not errors:
        return None
    error = min(errors, key=lambda e: len(e.instance_path))
    if isinstance(error.kind, Kind.OneOfNotValid | Kind.AnyOf):
        depth = len(error.instance_path)
        meant = [b for b in error.kind.context if b and not _wrong_type(b, depth)]
        if len(meant) == 1:
            return _best(meant[0], instance)
    path = tuple(error.instance_path)
    path = _located(instance, path, error.instance) or path
    return SchemaProblem(path, _worded(error, _value_at(instance, path)))


def _value_at(instance: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in the instance as given (jsonschema-rs's copy sorts the keys)."""
    for part in path:
        instance = instance[part]
    return instance


def _same(given: Any, seen: Any) -> bool:
    return bool(given == seen) and isinstance(given, bool) == isinstance(seen, bool)


def _located(node: Any, path: tuple[str | int, ...], target: Any) -> tuple[str | int, ...] | None:
    """``path`` with the empty keys jsonschema-rs leaves out of it put back (its path of
    ``{"context": {"": false}}``'s problem is ``context``): the path in ``node`` that leads to
    ``target``, or ``None`` when none does."""
    if not path and _same(node, target):
        return ()
    if path:
        head, rest = path[0], path[1:]
        fits = isinstance(node, dict) if isinstance(head, str) else isinstance(node, list)
        if fits and (head in node if isinstance(node, dict) else 0 <= int(head) < len(node)):
            found = _located(node[head], rest, target)
            if found is not None:
                return (head, *found)
    if isinstance(node, dict) and "" in node:
        found = _located(node[""], path, target)
        if found is not None:
            return ("", *found)
    return None


def _wrong_type(branch: list[ValidationError], depth: int) -> bool:
    """Whether a branch failed because the instance (``depth`` deep) is not of its type."""
    from jsonschema_rs import ValidationErrorKind as Kind

    return any(isinstance(e.kind, Kind.Type) and len(e.instance_path) == depth for e in branch)


def _worded(error: ValidationError, instance: Any) -> str:
    """The message of ``error`` with the value as Python writes it (``None``, ``True``, ``'x'``,
    at most 100 characters of it), for the kinds this spec uses; jsonschema-rs's own words for
    any other."""
    from jsonschema_rs import ValidationErrorKind as Kind

    kind = error.kind
    value = shorten(repr(instance), 100)
    if isinstance(kind, Kind.Type):
        types = sorted(kind.types, key=lambda name: name == "null")  # as the spec writes them
        return f"{value} is not of type " + ", ".join(f"'{name}'" for name in types)
    if isinstance(kind, Kind.Format):
        return f"{value} is not a '{kind.format}'"
    if isinstance(kind, Kind.Required):
        return f"{kind.property!r} is a required property"
    if isinstance(kind, Kind.Custom):  # the whole-number keyword: "is not a 'int64'"
        return f"{value} {kind.message}"
    if isinstance(kind, Kind.OneOfNotValid | Kind.AnyOf):
        return f"{value} is not valid under any of the given schemas"
    return str(error.message)


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


def schema_problem(schema_name: str, instance: Any) -> SchemaProblem | None:
    """The most telling reason ``instance`` does not fit ``schema_name``, if any."""
    return None if _surely_valid(schema_name, instance) else _described(schema_name, instance)


def request_document(request_type: type[Any], model: Any) -> dict[str, Any]:
    """The JSON document of a request model; ``InvalidArgumentError`` when a field cannot be
    encoded."""
    try:
        document: dict[str, Any] = model.to_dict()
    except (AttributeError, TypeError, ValueError) as exc:  # e.g. a str where a date belongs
        raise InvalidArgumentError(
            shorten(f"{request_type.__name__}: a field has a value of the wrong type ({exc})")
        ) from None
    return document


def check_request(schema_name: str, document: Any) -> None:
    """``InvalidArgumentError`` (a ``ValueError``) naming the path, if ``document`` does not fit
    the request's schema.

    The generated models take whatever they are given (``amount=12500.0``, ``name=5``); this is
    what stops such a value before it is sent.
    """
    problem = schema_problem(schema_name, document)
    if problem is not None:
        where = problem.where or "body"
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
            else _described(schema_name, instance, from_json=True)
        )
    except RecursionError:
        raise ResponseValidationError(
            "the body is nested too deep to check", path=None, response=response
        ) from None
    if problem is not None:
        where = problem.where or None
        if problems is None:
            raise ResponseValidationError(
                problem.message, path=where, response=response, instance=instance
            )
        problems.append(shorten(f"{where or 'body'}: {problem.message}"))
    try:
        return parse(instance)
    except Exception as exc:
        if problem is not None:  # lenient, but the model cannot be built: the schema says why
            raise ResponseValidationError(
                problem.message,
                path=problem.where or None,
                response=response,
                instance=instance,
            ) from exc
        # The schema passed: anything here is a generator/spec mismatch.
        raise ResponseValidationError(
            f"{type(exc).__name__}: {exc}", path=None, response=response, instance=instance
        ) from exc
