"""Request fields: names, typo detection, and building a generated request model from keywords."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from .._core.errors import InvalidArgumentError

__all__ = [
    "build_body",
    "build_model",
    "encode_body",
    "encode_json",
    "form_text",
    "json_names",
    "merge_extra_body",
    "unknown_field_error",
]

ModelT = TypeVar("ModelT")


def json_names(model_type: type[Any]) -> Mapping[str, str]:
    """``{python_name: jsonName}`` for every constructor keyword of a generated model (the
    literal the generator wrote into the class)."""
    names: Mapping[str, str] = model_type.JSON_NAMES
    return names


def _fold(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def unknown_field_error(model_type: type[Any], name: str, candidates: Iterable[str]) -> TypeError:
    """A ``TypeError`` naming the unknown field and the closest of ``candidates``, if any.

    Case, underscores and dashes are the usual slips (``vatNumber`` for ``vat_number``): a
    candidate equal but for those is suggested first, then the closest by spelling.
    """
    candidates = list(candidates)
    folded = {_fold(candidate): candidate for candidate in candidates}
    close = [folded[_fold(name)]] if _fold(name) in folded else []
    close = close or difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return TypeError(f"{model_type.__name__} has no field {name!r}{hint}")


def build_model(model_type: type[ModelT], fields: Mapping[str, Any]) -> ModelT:
    """``model_type(**fields)``, with a helpful ``TypeError`` for a name that is not a field."""
    known = json_names(model_type)
    for name in fields:
        if name not in known:
            raise unknown_field_error(model_type, name, known)
    return model_type(**fields)


def build_body(
    model_type: type[ModelT] | None, fields: Mapping[str, Any], operation_id: str
) -> ModelT | None:
    """The request body's model from keywords; ``None`` for an operation that sends no body."""
    if model_type is not None:
        return build_model(model_type, fields)
    for name in fields:
        raise TypeError(f"{operation_id} sends no body: it has no field {name!r}")
    return None


def merge_extra_body(
    model_type: type[Any] | None, body: dict[str, Any] | None, options: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``body`` with the call's ``extra_body`` added; a known field's name there is an error.

    A known field must go through its keyword (typed, and UNSET/None kept apart), never around
    it: ``extra_body`` is for what the SDK cannot name yet. An operation without a body
    (``model_type`` is ``None``) takes no ``extra_body`` either.
    """
    extra: Mapping[str, Any] = options.get("extra_body") or {}
    if model_type is None or body is None:
        if extra:
            raise InvalidArgumentError("extra_body: this operation sends no request body")
        return None
    if not extra:
        return body
    names = json_names(model_type)
    for key in extra:
        if key in names or key in names.values():
            keyword = key if key in names else next(k for k, v in names.items() if v == key)
            raise InvalidArgumentError(
                f"extra_body: {key!r} is a field of {model_type.__name__}; "
                f"pass it as {keyword}=... instead"
            )
    return {**body, **extra}


# json.dumps with options builds an encoder per call; one does for every body.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The bytes sent for a request body: compact UTF-8 JSON, no NaN or Infinity."""
    return _ENCODER.encode(body).encode()


def encode_json(document: object) -> bytes:
    """Any JSON document as a body is sent; ``ValueError`` for what JSON cannot hold."""
    try:
        return _ENCODER.encode(document).encode()
    except (TypeError, ValueError) as exc:  # a set, a datetime, NaN, ...
        raise InvalidArgumentError(f"the body is not JSON: {exc}") from None


def form_text(name: str, value: object) -> str:
    """A form field's text: ``true``/``false`` for a boolean, the text of a string or number;
    ``TypeError`` for what a form cannot carry (null, a list, an object)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TypeError(
        f"form field {name!r} must be a string, a number or a boolean, got {type(value).__name__}"
    )
