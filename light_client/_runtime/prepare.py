"""Preparing a call: every check that needs no network, made before anything is sent.

``prepare`` turns an operation (the generator's literal), the method's path arguments and its
keywords into a ``Call``: the URL, the exact body bytes, the headers, the timeout and the retry
budget. A bad id, an unknown field or a value of the wrong type fails here, with an error that
names it, and nothing is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlencode

import httpx

from .._core.checks import (
    check_header_value,
    check_headers,
    check_max_queue_wait,
    check_max_retries,
    check_timeout,
)
from .._core.errors import InvalidArgumentError
from .._core.types import NOT_GIVEN, UNSET, NotGiven, RequestOptions, Unset
from .._version import __version__
from . import fields as _fields
from .operation import Operation
from .settings import Settings
from .validation import check_request, request_document

if TYPE_CHECKING:
    from .sink import Sink

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
    max_queue_wait: float | None  # the longest wait for a rate-limit slot before the first send
    resendable: bool  # a failed attempt may be sent again (see Operation.resendable)
    strict: bool  # a 2xx answer off the schema is an error (else returned, with a warning)
    max_bytes: int  # the largest answer read (a download's limit is its own)
    sink: Sink | None = None  # where a successful answer's body goes, if not to memory


def _split(params: Mapping[str, Any]) -> tuple[RequestOptions, Mapping[str, Any]]:
    """The per-call options and the request's fields among a method's keywords.

    A generated method passes every keyword it has, its defaults included (``UNSET`` for a
    field, which the body model leaves out; ``NOT_GIVEN`` or ``None`` for an option, which
    ``prepare`` reads as "not given"); a mapping from elsewhere (``update_many``, the
    paginator) may pass only some."""
    # The fields left out are dropped here: the body model need not be given them again.
    fields = {k: v for k, v in params.items() if v is not UNSET}
    if OPTION_NAMES.isdisjoint(fields):
        return {}, fields
    options: Any = {k: fields.pop(k) for k in OPTION_NAMES if k in fields}
    return options, fields


def prepare(
    settings: Settings,
    operation: Operation[ModelT],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    raw_json: object = NOT_GIVEN,
    sink: Sink | None = None,
) -> Call[ModelT]:
    """The call ``operation`` makes with these arguments, or the error that stops it.

    ``raw_json``: the whole body, as JSON, of a call the spec does not describe (the escape
    hatch); it is encoded as given and checked only for being JSON. ``sink``: the file a
    successful answer is written to.
    """
    path, path_values = operation.url_path(path_arguments)
    options, fields = _split(params)
    query = ""
    if operation.query_parameters:
        fields, query = _query(operation, fields)
    headers = {"Accept": operation.accept, "User-Agent": USER_AGENT, **settings.default_headers}
    if operation.header_parameters:
        fields = _header_values(operation, fields, headers)
    if not isinstance(raw_json, NotGiven):
        if fields:
            raise TypeError(f"{operation.operation_id} takes json=, not fields: {sorted(fields)}")
        body: Any = raw_json
        content = None if body is None else _fields.encode_json(body)
    else:
        body, content = _body(operation, fields, options)
    given_key = options.get("idempotency_key")
    if isinstance(given_key, str) and not given_key.strip():
        # Not "no key": an empty key would be replaced by a fresh one on every call, and two
        # calls meant as one would both be applied.
        raise InvalidArgumentError("idempotency_key must not be empty or white space")
    if given_key is not None and operation.idempotency_header is None:
        raise TypeError(
            f"{operation.operation_id} takes no idempotency_key: Light does not deduplicate it "
            "(openapi.yaml declares no X-Idempotency-Key for it)"
        )
    if operation.idempotency_header is not None:
        if given_key:  # a UUID4 of ours needs no check
            check_header_value(operation.idempotency_header, given_key, what="idempotency_key")
        headers[operation.idempotency_header] = given_key or str(uuid.uuid4())
    if operation.content_type is not None and content is not None:
        headers["Content-Type"] = operation.content_type
    headers.update(check_headers(options.get("extra_headers"), what="extra_headers"))
    timeout = options.get("timeout", NOT_GIVEN)
    max_retries = options.get("max_retries", NOT_GIVEN)
    max_queue_wait = options.get("max_queue_wait", NOT_GIVEN)
    return Call(
        operation=operation,
        path_values=path_values,
        method=operation.method,
        url=settings.url_prefix + path + query,
        body=body,
        content=content,
        headers=headers,
        timeout=settings.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout),
        max_retries=(
            settings.max_retries
            if isinstance(max_retries, NotGiven)
            else check_max_retries(max_retries)
        ),
        max_queue_wait=(
            settings.max_queue_wait
            if isinstance(max_queue_wait, NotGiven)
            else check_max_queue_wait(max_queue_wait)
        ),
        resendable=operation.resendable,
        strict=_strict(options, settings),
        max_bytes=(
            settings.max_download_bytes
            if operation.answer_kind == "bytes"
            else settings.max_response_bytes
        ),
        sink=sink,
    )


def _body(
    operation: Operation[Any], fields: Mapping[str, Any], options: RequestOptions
) -> tuple[Any, bytes | None]:
    """The body's JSON document (or form fields) and the bytes sent, checked against its
    schema; ``(None, None)`` for an operation that sends none."""
    body_type = operation.body_type
    if operation.body_kind == "json-array" and body_type is not None:
        return _array_body(operation, body_type, fields, options)
    model = _fields.build_body(body_type, fields, operation.operation_id)
    if body_type is None:
        _fields.merge_extra_body(None, None, options)  # extra_body with no body is an error
        return None, None
    # The JSON document is made once: it is checked, then sent.
    document = request_document(body_type, model)
    check_request(operation.body_schema or body_type.__name__, document)
    body = _fields.merge_extra_body(body_type, document, options)
    if operation.body_kind == "form":
        assert body is not None
        return body, urlencode([(k, _fields.form_text(k, v)) for k, v in body.items()]).encode()
    return body, _fields.encode_json(body)  # once per call


def _array_body(
    operation: Operation[Any],
    body_type: type[Any],
    fields: Mapping[str, Any],
    options: RequestOptions,
) -> tuple[list[Any], bytes]:
    """A JSON array body: ``body=`` a sequence of the item model (or its keywords as a dict)."""
    if set(fields) != {"body"}:
        unknown = sorted(set(fields) - {"body"})
        raise TypeError(
            f"{operation.operation_id} takes its items as body=[...]"
            + (f", not {unknown}" if unknown else "")
        )
    items = fields["body"]
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise TypeError(
            f"body must be a list of {body_type.__name__} (or dicts of its keywords), "
            f"got {type(items).__name__}"
        )
    if options.get("extra_body"):
        raise InvalidArgumentError("extra_body: this operation's body is a JSON array")
    document = []
    for index, item in enumerate(items):
        model = item if isinstance(item, body_type) else _item_model(body_type, item, index)
        document.append(request_document(body_type, model))
    check_request(f"{operation.body_schema or body_type.__name__}[]", document)
    return document, _fields.encode_json(document)


def _item_model(body_type: type[Any], item: object, index: int) -> Any:
    if not isinstance(item, Mapping):
        raise TypeError(
            f"body[{index}] must be a {body_type.__name__} or a dict of its keywords, "
            f"got {type(item).__name__}"
        )
    return _fields.build_model(body_type, item)


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


def _header_values(
    operation: Operation[Any], params: Mapping[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """The keywords that are not header parameters; those that are go into ``headers``
    (``None`` or ``UNSET``: left out), each checked as a header value."""
    rest = dict(params)
    for parameter in operation.header_parameters:
        value = rest.pop(parameter.python_name, None)
        if value is not None and not isinstance(value, Unset):
            text = parameter.text(value)
            check_header_value(parameter.name, text, what=parameter.python_name)
            headers[parameter.name] = text
    return rest
