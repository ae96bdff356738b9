"""``Operation``: one API operation, described by its generated pieces.

The operations themselves are generated (templates/endpoint_init.py.jinja writes one
``Operation`` per operation of openapi.yaml into ``_generated/api/<tag>/__init__.py``, next to
the resource classes that call it); nothing here restates the spec.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from ._response import RawResponse
from ._validation import response_schema_name

__all__ = ["AsyncRequester", "Operation", "SyncRequester"]

ModelT = TypeVar("ModelT")
# The generated request builder's keyword for the X-Idempotency-Key header parameter.
IDEMPOTENCY_KEYWORD = "x_idempotency_key"


def _template(path: str) -> str:
    """``/v1/customers/{}`` for ``/v1/customers/{customerId}`` and ``/v1/customers/{customer_id}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


@cache
def _operation_id(method: str, path: str) -> str:
    """The operationId in openapi.yaml of ``method`` on ``path`` (whose parameters the generator
    renamed to Python names: paths are matched with their parameter names left out)."""
    text = files("light_client._generated").joinpath("openapi.json").read_text(encoding="utf-8")
    for spec_path, path_item in json.loads(text)["paths"].items():
        if _template(spec_path) == _template(path) and method in path_item:
            return str(path_item[method]["operationId"])
    raise LookupError(f"no operation {method.upper()} {path} in openapi.yaml")


@dataclass(frozen=True)
class Operation(Generic[ModelT]):
    """``method`` and ``path`` (as the generator writes them); the generated request builder; the request
    body's model (``None``: the operation sends no body); the parser of its 200 answer."""

    method: str
    path: str
    # The generated ``_get_kwargs``: (id, *, [body,] [x_idempotency_key]) -> httpx request kwargs.
    build_request: Callable[..., dict[str, Any]]
    body_type: type[Any] | None
    parse: Callable[[Mapping[str, Any]], ModelT]
    operation_id: str = field(init=False)
    id_name: str = field(init=False)
    schema_name: str = field(init=False)
    takes_idempotency_key: bool = field(init=False)

    def __post_init__(self) -> None:
        parameters = inspect.signature(self.build_request).parameters
        # "customer_id": the generated builder's first parameter is the path parameter.
        object.__setattr__(self, "id_name", next(iter(parameters)))
        object.__setattr__(self, "takes_idempotency_key", IDEMPOTENCY_KEYWORD in parameters)
        object.__setattr__(self, "operation_id", _operation_id(self.method, self.path))
        object.__setattr__(self, "schema_name", response_schema_name(self.operation_id))

    def request_kwargs(self, resource_id: UUID, body: Any, idempotency_key: str) -> dict[str, Any]:
        """The generated builder's httpx request keywords (``json`` only with a body)."""
        keywords: dict[str, Any] = {}
        if self.body_type is not None:
            keywords["body"] = body
        if self.takes_idempotency_key:
            keywords[IDEMPOTENCY_KEYWORD] = idempotency_key
        return self.build_request(resource_id, **keywords)


class AsyncRequester(Protocol):
    """``LightClient._request``, as the generated resource classes call it."""

    def __call__(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any], /
    ) -> Awaitable[RawResponse[ModelT]]: ...


class SyncRequester(Protocol):
    """``SyncLightClient._request``, as the generated resource classes call it."""

    def __call__(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any], /
    ) -> RawResponse[ModelT]: ...
