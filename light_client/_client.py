"""``LightClient`` (async) and ``SyncLightClient``: configuration, connection pool, resources."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar
from uuid import UUID

import httpx

from . import _http, _waits
from ._base_client import BaseClient, TokenRequest, drive_async, drive_sync
from ._checks import check_credential
from ._constants import (
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
)
from ._exceptions import LightError, TokenProviderError
from ._generated.resources import AsyncResources, SyncResources
from ._rate_stores import RateLimitStore
from ._response import RawResponse
from ._types import NOT_GIVEN, NotGiven, TimeoutTypes

if TYPE_CHECKING:
    import asyncio

    from ._operations import Operation

__all__ = ["LightClient", "SyncLightClient"]

ModelT = TypeVar("ModelT")
AsyncTokenProvider = Callable[[], Awaitable[str]]
Transport = Literal["httpx", "aiohttp"]
SyncTokenProvider = Callable[[], str]


def _checked_token(token: object) -> str:
    try:
        return check_credential(token, what="the token the access_token provider returned")
    except (TypeError, ValueError) as exc:
        raise TokenProviderError(str(exc)) from None


def _report_refused(provider: object, stale: str | None) -> None:
    """Tell a provider that can hear it (``invalidate``) which token the server refused."""
    invalidate = getattr(provider, "invalidate", None)
    if stale is not None and callable(invalidate):
        invalidate(stale.partition(" ")[2])


def _provider_failed(exc: BaseException, timeout: float | None) -> TokenProviderError:
    if isinstance(exc, TimeoutError):  # concurrent.futures' and asyncio's too, since 3.11
        return TokenProviderError(f"the access_token provider did not answer within {timeout} s")
    return TokenProviderError(f"the access_token provider failed: {type(exc).__name__}")


class LightClient(BaseClient[AsyncTokenProvider], AsyncResources):
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
    ``transport``: what the SDK's own pool runs on: ``"httpx"`` (httpcore, the default) or
    ``"aiohttp"`` (``pip install 'light-client[aiohttp]'``; several times the requests per
    second under concurrency, see the README).
    ``max_response_bytes``: a larger answer is not read (default 4 MiB; Light's are a few KB).
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: Transport = "httpx",
    ) -> None:
        if transport not in ("httpx", "aiohttp"):
            raise ValueError(f'transport must be "httpx" or "aiohttp", got {transport!r}')
        if transport != "httpx" and http_client is not None:
            raise ValueError("pass transport= or http_client=, not both")
        self._transport = transport
        super().__init__(
            api_key=api_key,
            access_token=access_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_requests_per_minute=max_requests_per_minute,
            rate_limit_store=rate_limit_store,
            default_headers=default_headers,
            max_response_bytes=max_response_bytes,
        )
        self._owns_http_client = http_client is None
        self._http = http_client or self._new_http_client()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._token_fetch: tuple[asyncio.AbstractEventLoop, asyncio.Task[str]] | None = None
        self._init_resources(self._request)  # light.customers, ...: generated from the spec

    async def _request(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> RawResponse[ModelT]:
        call = self._prepare(operation, resource_id, params)
        self._use_running_loop()
        return await drive_async(
            self._flow(call), self._http, _waits.async_sleep, self._fetch_token, self._limiter
        )

    async def _fetch_token(self, request: TokenRequest) -> str:
        """One provider call at a time, shared by every call that needs it, within the timeout."""
        import asyncio  # on first use: `import light_client` does not load asyncio

        current = self._credentials.authorization
        if current is not None and current != request.stale:
            return current.partition(" ")[2]  # another call has already fetched a fresh one
        _report_refused(self._credentials.token_provider, request.stale)
        loop = asyncio.get_running_loop()
        if (
            self._token_fetch is None
            or self._token_fetch[0] is not loop
            or self._token_fetch[1].done()
        ):
            self._token_fetch = (loop, loop.create_task(self._call_provider()))
        try:
            async with asyncio.timeout(request.timeout):
                return await asyncio.shield(self._token_fetch[1])
        except LightError:  # TokenProviderError, or the provider's own (e.g. OAuthError)
            raise
        except Exception as exc:
            raise _provider_failed(exc, request.timeout) from exc

    async def _call_provider(self) -> str:
        provider = self._credentials.token_provider
        assert provider is not None  # the flow only asks when there is one
        token = _checked_token(await provider())
        self._credentials.set_token(token)
        return token

    def _use_running_loop(self) -> None:
        """A connection pool belongs to one event loop: a new loop gets a new pool (if ours)."""
        import asyncio  # on first use: `import light_client` does not load asyncio

        loop = asyncio.get_running_loop()
        if self._loop is None or self._loop is loop:
            self._loop = loop
            return
        if not self._owns_http_client:
            raise LightError(
                "this LightClient was first used in another event loop, and its http_client "
                "belongs to that loop: create the client (and its http_client) in the loop "
                "that uses it"
            )
        if self._transport == "aiohttp":
            # An aiohttp session can only be closed in its own loop, which has ended: it would
            # be left open (and warn). So, as with your own http_client, one loop per client.
            raise LightError(
                'this LightClient (transport="aiohttp") was first used in another event loop, '
                "and its aiohttp pool belongs to that loop: create the client in the loop that "
                "uses it"
            )
        # The old loop is gone with its connections: start a fresh pool in this one.
        self._http = self._new_http_client()
        self._loop = loop

    def _new_http_client(self) -> httpx.AsyncClient:
        if self._transport == "httpx":
            return _http.async_client(self.timeout)
        try:
            return _http.aiohttp_client(self.timeout)
        except ImportError:
            raise LightError(
                'transport="aiohttp" needs aiohttp: pip install "light-client[aiohttp]"'
            ) from None

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        access_token: str | AsyncTokenProvider | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        max_requests_per_minute: int | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> LightClient:
        """A client like this one with some settings changed, sharing its connection pool.

        Example: ``light.with_options(timeout=5)`` for a few calls, or one client per tenant,
        ``light.with_options(access_token=tenant_token_provider)``. The derived client shares
        the connection pool and the rate-limit store (each credential keeps its own budget);
        ``default_headers`` are added to this client's. Close only the original client.
        """
        overrides = dict(locals())
        del overrides["self"]
        derived = LightClient(**self._derived(overrides))
        self._share_credentials(derived, overrides)
        derived._loop = self._loop
        return derived

    copy = with_options

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        import asyncio  # on first use: `import light_client` does not load asyncio

        if not self._owns_http_client:
            return
        if self._loop not in (None, asyncio.get_running_loop()):
            return  # the pool's loop has ended (asyncio.run): nothing of it can be closed now
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


class SyncLightClient(BaseClient[SyncTokenProvider], SyncResources):
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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
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
            max_response_bytes=max_response_bytes,
        )
        self._owns_http_client = http_client is None
        self._http = http_client or _http.sync_client(self.timeout)
        self._token_lock = threading.Lock()
        import concurrent.futures  # on first use: `import light_client` does not load it

        self._token_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="light-token"
        )
        self._init_resources(self._request)  # light.customers, ...: generated from the spec

    def _request(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> RawResponse[ModelT]:
        call = self._prepare(operation, resource_id, params)
        return drive_sync(
            self._flow(call), self._http, _waits.sync_sleep, self._fetch_token, self._limiter
        )

    def _fetch_token(self, request: TokenRequest) -> str:
        """One provider call at a time across threads, bounded by the call's timeout."""
        with self._token_lock:
            current = self._credentials.authorization
            if current is not None and current != request.stale:
                return current.partition(" ")[2]  # another thread has already fetched one
            provider = self._credentials.token_provider
            assert provider is not None  # the flow only asks when there is one
            _report_refused(provider, request.stale)
            # In a thread of its own, so that a provider that hangs is bounded by the timeout.
            future = self._token_pool.submit(provider)
            try:
                token = _checked_token(future.result(timeout=request.timeout))
            except LightError:  # TokenProviderError, or the provider's own (e.g. OAuthError)
                raise
            except Exception as exc:
                raise _provider_failed(exc, request.timeout) from exc
            self._credentials.set_token(token)
            return token

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        access_token: str | SyncTokenProvider | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        max_requests_per_minute: int | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> SyncLightClient:
        """A client like this one with some settings changed (see ``LightClient.with_options``)."""
        overrides = dict(locals())
        del overrides["self"]
        derived = SyncLightClient(**self._derived(overrides))
        self._share_credentials(derived, overrides)
        return derived

    copy = with_options

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        self._token_pool.shutdown(wait=False)
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
