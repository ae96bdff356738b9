"""The escape hatch: ``light.get(path)``, ``.post``, ``.put``, ``.patch``, ``.delete``.

For an operation ``openapi.yaml`` does not cover yet: the call goes through the client's
request path -- credentials, rate budget, retries (a POST or PATCH only with
``idempotency_key=``), redirects, typed errors -- and returns the answer's JSON as parsed
(``None`` for an empty body), unchecked against any schema. The clients inherit these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from ._core.types import NOT_GIVEN, RequestOptions
from ._runtime.operation import Operation, raw_operation
from ._runtime.response import RawResponse

__all__ = ["AsyncRawCalls", "QueryParams", "SyncRawCalls"]

ModelT = TypeVar("ModelT")

# A raw call's query: each value a string, a number, a bool or a list of them (``None``: left out).
QueryParams = Mapping[str, object] | None


class AsyncRawCalls:
    """The escape hatch of ``LightClient``."""

    if TYPE_CHECKING:  # LightClient's

        async def _request(
            self,
            operation: Operation[ModelT],
            path_arguments: tuple[object, ...],
            params: Mapping[str, Any],
            raw_json: object = NOT_GIVEN,
        ) -> RawResponse[ModelT]: ...

    async def get(
        self, path: str, *, params: QueryParams = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """``GET path`` (``/v1/...``) with this client's credentials, retries, rate budget and
        errors; the answer's JSON as parsed (``None`` for no body), unchecked. For what
        ``light.<resource>`` does not cover yet: ``await light.get("/v1/products", params=...)``.
        """
        return await self._raw("GET", path, params, NOT_GIVEN, options)

    async def post(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``POST path`` with ``json`` as its body, as ``get`` does. Sent once unless you pass
        ``idempotency_key=`` (then resent with it, as a generated create is)."""
        return await self._raw("POST", path, params, json, options)

    async def put(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``PUT path`` with ``json`` as its body, as ``get`` does."""
        return await self._raw("PUT", path, params, json, options)

    async def patch(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``PATCH path`` with ``json`` as its body, as ``post`` does."""
        return await self._raw("PATCH", path, params, json, options)

    async def delete(
        self, path: str, *, params: QueryParams = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """``DELETE path``, as ``get`` does."""
        return await self._raw("DELETE", path, params, NOT_GIVEN, options)

    async def _raw(
        self,
        method: str,
        path: str,
        params: QueryParams,
        json: object,
        options: Mapping[str, Any],
    ) -> Any:
        operation = raw_operation(method, path, params, keyed=bool(options.get("idempotency_key")))
        body = NOT_GIVEN if json is None else json
        return (await self._request(operation, (), options, body)).parsed


class SyncRawCalls:
    """The escape hatch of ``SyncLightClient``."""

    if TYPE_CHECKING:  # SyncLightClient's

        def _request(
            self,
            operation: Operation[ModelT],
            path_arguments: tuple[object, ...],
            params: Mapping[str, Any],
            raw_json: object = NOT_GIVEN,
        ) -> RawResponse[ModelT]: ...

    def get(
        self, path: str, *, params: QueryParams = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """``GET path`` (``/v1/...``) with this client's credentials, retries, rate budget and
        errors; the answer's JSON as parsed (``None`` for no body), unchecked. For what
        ``light.<resource>`` does not cover yet: ``light.get("/v1/products", params=...)``.
        """
        return self._raw("GET", path, params, NOT_GIVEN, options)

    def post(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``POST path`` with ``json`` as its body, as ``get`` does. Sent once unless you pass
        ``idempotency_key=`` (then resent with it, as a generated create is)."""
        return self._raw("POST", path, params, json, options)

    def put(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``PUT path`` with ``json`` as its body, as ``get`` does."""
        return self._raw("PUT", path, params, json, options)

    def patch(
        self,
        path: str,
        *,
        json: object = None,
        params: QueryParams = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """``PATCH path`` with ``json`` as its body, as ``post`` does."""
        return self._raw("PATCH", path, params, json, options)

    def delete(
        self, path: str, *, params: QueryParams = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """``DELETE path``, as ``get`` does."""
        return self._raw("DELETE", path, params, NOT_GIVEN, options)

    def _raw(
        self,
        method: str,
        path: str,
        params: QueryParams,
        json: object,
        options: Mapping[str, Any],
    ) -> Any:
        operation = raw_operation(method, path, params, keyed=bool(options.get("idempotency_key")))
        body = NOT_GIVEN if json is None else json
        return (self._request(operation, (), options, body)).parsed
