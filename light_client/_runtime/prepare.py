"""Preparing a call: every check that needs no network, made before anything is sent.

``prepare`` turns an operation (the generator's literal), the method's path arguments and its
keywords into a ``Call``: the URL, the exact body bytes, the headers, the timeout and the retry
budget. A bad id, an unknown field or a value of the wrong type fails here, with an error that
names it, and nothing is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from .._core.checks import check_header_value, check_headers, check_max_retries, check_timeout
from .._core.types import NOT_GIVEN, NotGiven, RequestOptions, Unset
from .._version import __version__
from . import fields as _fields
from .operation import Operation
from .settings import Settings
from .validation import check_request, request_document

__all__ = ["USER_AGENT", "Call", "prepare"]

ModelT = TypeVar("ModelT")
OPTION_NAMES = frozenset(RequestOptions.__optional_keys__)
USER_AGENT = f"light-client/{__version__} python-httpx/{httpx.__version__}"


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class Call(Generic[ModelT]):
    """One logical call, checked and resolved before anything is sent; never changed after."""

    operation: Operation[ModelT]
    path_values: dict[str, str]  # each path parameter's value, by keyword
    method: str
    url: str
    body: Any  # the JSON document sent (``None``: no body)
    content: bytes | None  # the body as sent
    headers: dict[str, str]
    timeout: httpx.Timeout
    max_retries: int
    resendable: bool  # a failed attempt may be sent again (see Operation.resendable)
    strict: bool  # a 2xx answer off the schema is an error (else returned, with a warning)


def _split(params: Mapping[str, Any]) -> tuple[RequestOptions, Mapping[str, Any]]:
    """The per-call options and the request's fields among a method's keywords."""
    if OPTION_NAMES.isdisjoint(params):  # most calls pass fields only
        return {}, params
    options: Any = {k: v for k, v in params.items() if k in OPTION_NAMES}
    return options, {k: v for k, v in params.items() if k not in OPTION_NAMES}


def prepare(
    settings: Settings,
    operation: Operation[ModelT],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    raw_json: object = NOT_GIVEN,
) -> Call[ModelT]:
    """The call ``operation`` makes with these arguments, or the error that stops it.

    ``raw_json``: the whole body, as JSON, of a call the spec does not describe (the escape
    hatch); it is encoded as given and checked only for being JSON.
    """
    path, path_values = operation.url_path(path_arguments)
    options, fields = _split(params)
    query = ""
    if operation.query_parameters:
        fields, query = _query(operation, fields)
    body_type = operation.body_type
    model = _fields.build_body(body_type, fields, operation.operation_id)
    document = None
    if body_type is not None:
        # The JSON document is made once: it is checked, then sent.
        document = request_document(body_type, model)
        check_request(operation.body_schema or body_type.__name__, document)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **settings.default_headers}
    given_key = options.get("idempotency_key")
    if operation.idempotency_header is not None:
        if given_key:  # a UUID4 of ours needs no check
            check_header_value(operation.idempotency_header, given_key, what="idempotency_key")
        headers[operation.idempotency_header] = given_key or str(uuid.uuid4())
    if not isinstance(raw_json, NotGiven):
        if fields:
            raise TypeError(f"{operation.operation_id} takes json=, not fields: {sorted(fields)}")
        document = raw_json  # type: ignore[assignment]
    if operation.content_type is not None and document is not None:
        headers["Content-Type"] = operation.content_type
    headers.update(check_headers(options.get("extra_headers"), what="extra_headers"))
    timeout = options.get("timeout", NOT_GIVEN)
    max_retries = options.get("max_retries", NOT_GIVEN)
    body = (
        _fields.merge_extra_body(body_type, document, options)
        if isinstance(raw_json, NotGiven)
        else raw_json
    )
    return Call(
        operation=operation,
        path_values=path_values,
        method=operation.method,
        url=settings.url_prefix + path + query,
        body=body,
        content=None if body is None else _fields.encode_json(body),  # once per call
        headers=headers,
        timeout=settings.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout),
        max_retries=(
            settings.max_retries
            if isinstance(max_retries, NotGiven)
            else check_max_retries(max_retries)
        ),
        resendable=operation.resendable,
        strict=_strict(options, settings),
    )


def _strict(options: RequestOptions, settings: Settings) -> bool:
    strict = options.get("strict_response_validation", NOT_GIVEN)
    if isinstance(strict, NotGiven):
        return settings.strict_response_validation
    if not isinstance(strict, bool):
        raise TypeError(f"strict_response_validation must be True or False, got {strict!r}")
    return strict


def _query(operation: Operation[Any], params: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The keywords that are not query parameters, and the query string of those that are
    (``None`` or ``UNSET``: left out)."""
    names = {parameter.python_name for parameter in operation.query_parameters}
    values = {
        name: value
        for name, value in params.items()
        if name in names and value is not None and not isinstance(value, Unset)
    }
    rest = {name: value for name, value in params.items() if name not in names}
    return rest, operation.query(values)
