"""``LightClient`` (async) and ``SyncLightClient``: configuration, connection pool, resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx

from . import _waits
from ._base_client import BaseClient, drive_async, drive_sync
from ._constants import DEFAULT_MAX_REQUESTS_PER_MINUTE, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._exceptions import LightError
from ._operations import Operation
from ._rate_stores import RateLimitStore
from ._resources import (
    AsyncCustomerCredits,
    AsyncCustomers,
    SyncCustomerCredits,
    SyncCustomers,
)
from ._response import RawResponse
from ._types import TimeoutTypes

__all__ = ["LightClient", "SyncLightClient"]

ModelT = TypeVar("ModelT")
AsyncTokenProvider = Callable[[], Awaitable[str]]
SyncTokenProvider = Callable[[], str]


def _checked_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise LightError("the access_token provider must return a non-empty string")
    return token


class LightClient(BaseClient[AsyncTokenProvider]):
    """The async Light client. One instance holds one connection pool; share it across tasks.

    Example::

        async with LightClient(api_key="...") as light:
            customer = await light.customers.update(customer_id, name="Acme ApS", email=None)

    Credentials: ``api_key`` (sent as ``Authorization: Basic <api_key>``) or ``access_token``
    (``Bearer``; a string, or an async callable returning a fresh token). Without either, the
    ``LIGHT_API_KEY`` environment variable. ``base_url``: argument, then ``LIGHT_BASE_URL``, then
    ``https://api.light.inc``. ``timeout``: seconds or ``httpx.Timeout`` (default 60 s, 5 s to
    connect). ``max_retries``: retries of a failed attempt (default 2). ``max_requests_per_minute``:
    client-side pacing, evenly spaced (default 300, Light's limit; ``None``: no limit of your
    own, the server's advertised limit and pauses are still followed). ``rate_limit_store``:
    where the pacing schedule lives -- in this client (default), or shared by every client and
    process with the same credential (``SQLiteRateLimitStore``, ``RedisRateLimitStore``).
    ``http_client``: your own ``httpx.AsyncClient``, used as given and never closed by the SDK.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None = None,
        access_token: str | AsyncTokenProvider | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_requests_per_minute: int | None = DEFAULT_MAX_REQUESTS_PER_MINUTE,
        rate_limit_store: RateLimitStore | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            access_token=access_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_requests_per_minute=max_requests_per_minute,
            rate_limit_store=rate_limit_store,
            default_headers=default_headers,
        )
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout)
        self.customers = AsyncCustomers(self._request)
        self.customer_credits = AsyncCustomerCredits(self._request)

    async def _request(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> RawResponse[ModelT]:
        call = self._prepare(operation, resource_id, params)
        return await drive_async(
            self._flow(call), self._http, _waits.async_sleep, self._fetch_token, self._limiter
        )

    async def _fetch_token(self) -> str:
        provider = self._credentials.token_provider
        assert provider is not None  # the flow only asks when there is one
        return _checked_token(await provider())

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class SyncLightClient(BaseClient[SyncTokenProvider]):
    """The blocking Light client: the same surface as ``LightClient``, without ``await``.

    Example::

        with SyncLightClient(api_key="...") as light:
            customer = light.customers.update(customer_id, name="Acme ApS", email=None)

    Takes the same arguments as ``LightClient``; ``access_token`` may be a plain callable and
    ``http_client`` an ``httpx.Client``. Safe to share across threads.
    """

    _http: httpx.Client

    def __init__(
        self,
        *,
        api_key: str | None = None,
        access_token: str | SyncTokenProvider | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_requests_per_minute: int | None = DEFAULT_MAX_REQUESTS_PER_MINUTE,
        rate_limit_store: RateLimitStore | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            access_token=access_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_requests_per_minute=max_requests_per_minute,
            rate_limit_store=rate_limit_store,
            default_headers=default_headers,
        )
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout)
        self.customers = SyncCustomers(self._request)
        self.customer_credits = SyncCustomerCredits(self._request)

    def _request(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> RawResponse[ModelT]:
        call = self._prepare(operation, resource_id, params)
        return drive_sync(
            self._flow(call), self._http, _waits.sync_sleep, self._fetch_token, self._limiter
        )

    def _fetch_token(self) -> str:
        provider = self._credentials.token_provider
        assert provider is not None  # the flow only asks when there is one
        return _checked_token(provider())

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        if self._owns_http_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
