"""``Operation``: one API operation, as the generator describes it in literals.

The generated resource modules (``light_client/resources/<tag>.py``, from
``templates/resources/resource.py.jinja``) write one ``Operation`` per operation of openapi.yaml:
everything the runtime needs to send it and read its answer, so the runtime never reflects on
generated code or reads the spec to recover what the generator knew.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar
from urllib.parse import quote, urlencode
from uuid import UUID

from .._core.errors import InvalidArgumentError
from .response import RawResponse

if TYPE_CHECKING:
    from .sink import Sink

__all__ = [
    "AnswerKind",
    "AsyncRequester",
    "BodyKind",
    "HeaderParameter",
    "Operation",
    "PathParameter",
    "QueryParameter",
    "SyncRequester",
    "any_json",
    "list_of",
    "no_content",
    "raw_operation",
]

# What a 2xx answer is: one model, a JSON array of models, one page of a list, bytes (a PDF),
# JSON of no declared shape (returned as parsed, ``None`` for no body), or nothing.
AnswerKind = Literal["model", "list", "page", "bytes", "json", "none"]
# What a request body is: a JSON object (one model), a JSON array of models, or a form.
BodyKind = Literal["json", "json-array", "form"]

# The methods a server may receive twice with no harm (RFC 9110 idempotent methods).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

ModelT = TypeVar("ModelT")


@dataclass(frozen=True, slots=True)
class PathParameter:
    """A path parameter: the method's keyword, its name in the path template, its format."""

    python_name: str
    name: str
    format: str | None = None

    def value(self, given: object) -> str:
        """The parameter's text in the URL; ``ValueError`` (before any I/O) when it does not fit
        its format: a ``uuid`` parameter takes a ``UUID`` or its string form."""
        if self.format == "uuid":
            if isinstance(given, UUID):
                return str(given)
            if isinstance(given, str):
                try:
                    return str(UUID(given))
                except ValueError:
                    pass
            raise InvalidArgumentError(
                f"{self.python_name} must be a UUID or a UUID string, got {given!r}"
            )
        if not isinstance(given, str | int) or isinstance(given, bool) or given in ("", ".", ".."):
            # "." and ".." would be dot segments, which URLs resolve: /a/../b is /b.
            raise InvalidArgumentError(
                f"{self.python_name} must be a non-empty string, got {given!r}"
            )
        return str(given)


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """A query parameter: the method's keyword and its name in the query string."""

    python_name: str
    name: str

    def pairs(self, given: object) -> list[tuple[str, str]]:
        """``(name, text)`` for the value: a list repeats the name, ``True`` is ``true``."""
        values = given if isinstance(given, list | tuple) else [given]
        return [(self.name, _query_text(self.python_name, value)) for value in values]


@dataclass(frozen=True, slots=True)
class HeaderParameter:
    """A header parameter: the method's keyword and the header's name."""

    python_name: str
    name: str

    def text(self, given: object) -> str:
        """The header's value; ``TypeError`` for what a header cannot carry."""
        return _query_text(self.python_name, given)


def _query_text(python_name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | UUID):
        return str(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(
        f"{python_name} must be a string, a number or a date, got {type(value).__name__}"
    )


def any_json(document: Any) -> Any:
    """The parser of JSON of no declared shape: the document as parsed."""
    return document


def no_content(document: Any) -> None:
    """The parser of an answer the SDK does not read (no content, or JSON with no schema)."""
    return None


def list_of(parse: Callable[[Mapping[str, Any]], ModelT]) -> Callable[[Any], list[ModelT]]:
    """The parser of a JSON array of one model, from the model's ``from_dict``."""

    def parse_list(document: Any) -> list[ModelT]:
        if not isinstance(document, list):
            raise TypeError(f"the answer is a JSON {type(document).__name__}, not an array")
        return [parse(item) for item in document]

    return parse_list


@dataclass(frozen=True, slots=True)
class Operation(Generic[ModelT]):
    """One operation of openapi.yaml.

    - ``operation_id``, ``method`` (upper case) and ``path`` (the template as the spec writes
      it, ``/v1/customers/{customerId}``), with its ``path_parameters`` in the order the
      method takes them;
    - ``body_type``: the request body's generated model (``None``: no body), ``body_schema`` its
      schema's name and ``content_type`` the media type sent; ``body_kind`` whether the body is
      that model as JSON, a JSON array of it (the ``body=`` keyword), or a form;
    - ``parse``: builds the answer from its JSON, after it was checked against
      ``answer_schema`` (``Model[]``: a JSON array of that model); ``answer_kind`` what the
      answer is, and ``accept`` the media type asked for;
    - ``answer_id``: the path parameter whose value the answer's ``id`` must equal (the answer
      is the resource the path addresses), or ``None``;
    - ``idempotency_header``: the header through which the server deduplicates the call;
    - ``query_parameters`` and ``header_parameters``: what the method's keywords may add to the
      query string and the headers.
    """

    operation_id: str
    method: str
    path: str
    path_parameters: tuple[PathParameter, ...]
    body_type: type[Any] | None
    body_schema: str | None
    content_type: str | None
    parse: Callable[[Any], ModelT]
    # ``None``: the answer is not checked against a schema (the escape hatch's raw calls).
    answer_schema: str | None
    answer_id: str | None = None
    idempotency_header: str | None = None
    query_parameters: tuple[QueryParameter, ...] = ()
    answer_kind: AnswerKind = "model"
    body_kind: BodyKind = "json"
    accept: str = "application/json"
    header_parameters: tuple[HeaderParameter, ...] = ()

    @property
    def paginated(self) -> bool:
        """The answer is one page of a list (``records``)."""
        return self.answer_kind == "page"

    @property
    def resendable(self) -> bool:
        """Whether a failed attempt may be sent again without risk of applying it twice: an
        idempotent method, or a write the server deduplicates by its idempotency key."""
        return self.method in IDEMPOTENT_METHODS or self.idempotency_header is not None

    def query(self, values: Mapping[str, object]) -> str:
        """The query string (``""``: none) for the method's query keywords in ``values``."""
        pairs = [
            pair
            for parameter in self.query_parameters
            if parameter.python_name in values
            for pair in parameter.pairs(values[parameter.python_name])
        ]
        return "?" + urlencode(pairs, quote_via=quote) if pairs else ""

    def url_path(self, arguments: tuple[object, ...]) -> tuple[str, dict[str, str]]:
        """The request's path for the method's positional ``arguments``, each checked and
        quoted, and the values by keyword (for the answer check)."""
        if len(arguments) != len(self.path_parameters):
            raise TypeError(
                f"{self.operation_id} takes {len(self.path_parameters)} path parameter(s), "
                f"got {len(arguments)}"
            )
        values: dict[str, str] = {}
        path = self.path
        for parameter, given in zip(self.path_parameters, arguments, strict=True):
            value = values[parameter.python_name] = parameter.value(given)
            path = path.replace("{" + parameter.name + "}", quote(value, safe=""))
        return path, values


class AsyncRequester(Protocol):
    """``LightClient._request``, as the generated resource classes call it. ``sink``: a file
    a successful answer's body is written to (not held in memory)."""

    def __call__(
        self,
        operation: Operation[ModelT],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
        /,
        *,
        sink: Sink | None = None,
    ) -> Awaitable[RawResponse[ModelT]]: ...


class SyncRequester(Protocol):
    """``SyncLightClient._request``, as the generated resource classes call it."""

    def __call__(
        self,
        operation: Operation[ModelT],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
        /,
        *,
        sink: Sink | None = None,
    ) -> RawResponse[ModelT]: ...


def raw_operation(
    method: str, path: str, params: Mapping[str, object] | None, *, keyed: bool
) -> Operation[Any]:
    """An operation openapi.yaml does not describe (yet), for ``light.get(path, ...)`` and its
    siblings: ``path`` as given (it must start with ``/``: never another host), ``params`` its
    query; the answer is the JSON as parsed, unchecked. ``keyed``: the call sends an
    idempotency key, so a POST or PATCH may be resent."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise InvalidArgumentError(
            f"path must be a path on the client's base URL (/v1/...), got {path!r}"
        )
    if any(char.isspace() for char in path) or "?" in path or "#" in path:
        raise InvalidArgumentError(
            f"path must hold no white space, query or fragment: {path!r} (params=)"
        )
    query = ""
    if params:
        pairs = [
            pair
            for name, value in params.items()
            if value is not None
            for pair in QueryParameter(name, name).pairs(value)
        ]
        query = "?" + urlencode(pairs, quote_via=quote) if pairs else ""
    return Operation(
        operation_id=f"{method} {path}",
        method=method,
        path=path + query,
        path_parameters=(),
        body_type=None,
        body_schema=None,
        content_type="application/json",
        parse=any_json,
        answer_schema=None,
        answer_kind="json",
        idempotency_header="X-Idempotency-Key" if keyed else None,
    )
