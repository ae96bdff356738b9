"""``LightClient`` (async) and ``SyncLightClient``: the public face over one runtime.

Both are a ``BaseClient``: one set of arguments (checked into one ``Settings``), one
``with_options``, the generated resources (``light.customers``, ...) and the one request flow
(``_runtime.engine``). Each adds only its kind of I/O: its connection pool, its driver and how it
asks a token provider.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar

import httpx

from ._core.checks import check_credential
from ._core.clock import Clock
from ._core.constants import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_QUEUE_WAIT,
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
)
from ._core.errors import InvalidArgumentError, MissingExtraError
from ._core.log import redacted_url, setup_logging
from ._core.types import NOT_GIVEN, NotGiven, TimeoutTypes
from ._raw_calls import AsyncRawCalls, SyncRawCalls
from ._runtime import pools
from ._runtime.credentials import Credentials, resolve_credentials
from ._runtime.drivers import drive_async, drive_sync
from ._runtime.engine import Engine, FetchToken
from ._runtime.errors import LightError, TokenProviderError
from ._runtime.prepare import prepare
from ._runtime.response import RawResponse
from ._runtime.settings import SETTING_NAMES, AttemptHook, Settings
from .ratelimit import RateLimitStore
from .ratelimit._limiter import RateLimiter
from .resources import AsyncResources, SyncResources

if TYPE_CHECKING:
    import asyncio

    from ._runtime.operation import Operation
    from ._runtime.sink import Sink

__all__ = ["LightClient", "SyncLightClient"]

ModelT = TypeVar("ModelT")
TokenT = TypeVar("TokenT")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)
AsyncTokenProvider = Callable[[], Awaitable[str]]
SyncTokenProvider = Callable[[], str]
Transport = Literal["httpx", "aiohttp"]


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


class BaseClient(Generic[TokenT, HttpT]):
    """What ``LightClient`` and ``SyncLightClient`` share: their arguments and settings, the
    request flow, ``with_options``. ``TokenT``: the token provider's type; ``HttpT``: the pool's."""

    _http: HttpT

    def __init__(
        self,
        *,
        api_key: str | None = None,
        access_token: str | TokenT | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_requests_per_minute: int | None = DEFAULT_MAX_REQUESTS_PER_MINUTE,
        max_queue_wait: float | None = DEFAULT_MAX_QUEUE_WAIT,
        rate_limit_store: RateLimitStore | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        http_client: HttpT | None = None,
        transport: Transport = "httpx",
        on_attempt: AttemptHook | None = None,
        clock: Clock | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        if transport not in self._transports():
            choices = " or ".join(f'"{name}"' for name in self._transports())
            raise InvalidArgumentError(f"transport must be {choices}, got {transport!r}")
        if transport != "httpx" and http_client is not None:
            raise InvalidArgumentError("pass transport= or http_client=, not both")
        arguments = locals()
        settings = Settings.build({name: arguments[name] for name in SETTING_NAMES})
        self._setup(settings, resolve_credentials(api_key, access_token), http_client, transport)

    def _setup(
        self,
        settings: Settings,
        credentials: Credentials[TokenT],
        http_client: HttpT | None,
        transport: Transport,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._limiter = RateLimiter(
            settings.max_requests_per_minute, store=settings.rate_limit_store, clock=settings.clock
        )
        self._engine = Engine(settings, credentials, self._limiter)
        self._transport: Transport = transport
        self._owns_http_client = http_client is None
        self._http = http_client or self._new_http_client()
        setup_logging()

    @classmethod
    def _transports(cls) -> tuple[Transport, ...]:
        return ("httpx",)

    def _new_http_client(self) -> HttpT:
        raise NotImplementedError

    # -- settings, read-only -------------------------------------------------------------------

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def max_requests_per_minute(self) -> int | None:
        return self._settings.max_requests_per_minute

    @property
    def max_queue_wait(self) -> float | None:
        return self._settings.max_queue_wait

    @property
    def max_response_bytes(self) -> int:
        return self._settings.max_response_bytes

    @property
    def max_download_bytes(self) -> int:
        return self._settings.max_download_bytes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={redacted_url(self.base_url)!r})"

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        access_token: str | TokenT | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        max_requests_per_minute: int | NotGiven | None = NOT_GIVEN,
        max_queue_wait: float | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        max_download_bytes: int | NotGiven = NOT_GIVEN,
        on_attempt: AttemptHook | NotGiven | None = NOT_GIVEN,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client like this one with some settings changed, sharing its connection pool.

        Example: ``light.with_options(timeout=5)`` for a few calls, or one client per tenant,
        ``light.with_options(access_token=tenant_token_provider)``. The derived client shares
        the connection pool and the rate-limit store (each credential keeps its own budget);
        ``default_headers`` are added to this client's. Close only the original client.
        """
        changes = {
            name: value
            for name, value in locals().items()
            if name not in ("self", "api_key", "access_token") and value is not NOT_GIVEN
        }
        # One store for both: clients with the same credential keep sharing one budget.
        changes["rate_limit_store"] = self._limiter.store
        credentials = self._credentials  # shared, token and all, unless a new one is given
        if not isinstance(api_key, NotGiven) or not isinstance(access_token, NotGiven):
            credentials = resolve_credentials(
                None if isinstance(api_key, NotGiven) else api_key,
                None if isinstance(access_token, NotGiven) else access_token,
            )
        derived = type(self).__new__(type(self))
        derived._setup(self._settings.changed(changes), credentials, self._http, self._transport)
        derived._derived_from(self)
        return derived

    copy = with_options

    def _derived_from(self, parent: Self) -> None:
        """What a ``with_options`` client takes over from its parent beyond its settings."""


class LightClient(BaseClient[AsyncTokenProvider, httpx.AsyncClient], AsyncResources, AsyncRawCalls):
    """The async Light client. One instance holds one connection pool; share it across tasks.

    Example::

        async with LightClient(api_key="...") as light:
            customer = await light.customers.update(customer_id, name="Acme ApS", email=None)

    Credentials: ``api_key`` (sent as ``Authorization: Basic <api_key>``) or ``access_token``
    (``Bearer``; a string, or an async callable returning a fresh token). Without either, the
    ``LIGHT_API_KEY`` environment variable. ``base_url``: argument, then ``LIGHT_BASE_URL``, then
    ``https://api.light.inc``. ``timeout``: seconds or ``httpx.Timeout`` for the whole call,
    retries and waits for a slot after the first send included (default 60 s, 5 s to connect).
    ``max_retries``: retries of a failed attempt (default 2). ``max_requests_per_minute``:
    client-side pacing, evenly spaced (default 300, Light's limit; ``None``: no limit of your
    own, the server's advertised limit and pauses are still followed). ``max_queue_wait``: the
    longest a call waits for its rate-limit slot before its first send (default 180 s;
    ``None``: no bound); a call whose slot is further away raises ``RateLimitError`` at once,
    unsent, with ``wait_needed``. Per call too. ``rate_limit_store``:
    where the pacing schedule lives -- in this client (default), or shared by every client and
    process with the same credential (``SQLiteRateLimitStore``, ``RedisRateLimitStore``).
    ``http_client``: your own ``httpx.AsyncClient``, used as given and never closed by the SDK.
    ``transport``: what the SDK's own pool runs on: ``"httpx"`` (httpcore, the default) or
    ``"aiohttp"`` (``pip install 'light-inc[aiohttp]'``; several times the requests per
    second under concurrency, see the docs' Speed page).
    ``max_response_bytes``: a larger answer is not read (default 4 MiB; Light's are a few KB).
    ``max_download_bytes``: the same for a document (a PDF), in memory or written to a file
    (default 64 MiB).
    ``on_attempt``: called with an ``AttemptDetails`` after every attempt (metrics, tracing).
    ``clock``: the time the client reads and waits by (tests: ``light_client.testing.FakeClock``).
    ``strict_response_validation``: whether a 2xx answer that departs from openapi.yaml raises
    ``ResponseValidationError`` (``True``; for tests) or is returned as parsed, with a WARNING
    and ``RawResponse.problems`` (``False``, the default: a write that happened is never
    reported as a failure). Per call too.
    """

    def _setup(
        self,
        settings: Settings,
        credentials: Credentials[AsyncTokenProvider],
        http_client: httpx.AsyncClient | None,
        transport: Transport,
    ) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._token_fetch: tuple[asyncio.AbstractEventLoop, asyncio.Task[str]] | None = None
        super()._setup(settings, credentials, http_client, transport)
        self._init_resources(self._request)  # light.customers, ...: generated from the spec

    @classmethod
    def _transports(cls) -> tuple[Transport, ...]:
        return ("httpx", "aiohttp")

    def _derived_from(self, parent: LightClient) -> None:
        self._loop = parent._loop

    async def _request(
        self,
        operation: Operation[ModelT],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
        raw_json: object = NOT_GIVEN,
        *,
        sink: Sink | None = None,
    ) -> RawResponse[ModelT]:
        call = prepare(self._settings, operation, path_arguments, params, raw_json, sink)
        self._use_running_loop()
        return await drive_async(
            self._engine.flow(call, self._http),
            self._http,
            self._settings.clock,
            self._fetch_token,
            self._limiter,
        )

    async def _fetch_token(self, request: FetchToken) -> str:
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
            return pools.async_client(self.timeout)
        try:
            from ._runtime.aiohttp_pool import AiohttpPool  # loads aiohttp: on first use

            return AiohttpPool(self.timeout)
        except ModuleNotFoundError as exc:
            raise MissingExtraError(
                'transport="aiohttp"', extra="aiohttp", module=exc.name
            ) from None

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


class SyncLightClient(BaseClient[SyncTokenProvider, httpx.Client], SyncResources, SyncRawCalls):
    """The blocking Light client: the same surface as ``LightClient``, without ``await``.

    Example::

        with SyncLightClient(api_key="...") as light:
            customer = light.customers.update(customer_id, name="Acme ApS", email=None)

    Takes the same arguments as ``LightClient``; ``access_token`` may be a plain callable and
    ``http_client`` an ``httpx.Client``; ``transport`` is ``"httpx"`` only. Safe to share
    across threads.
    """

    def _setup(
        self,
        settings: Settings,
        credentials: Credentials[SyncTokenProvider],
        http_client: httpx.Client | None,
        transport: Transport,
    ) -> None:
        super()._setup(settings, credentials, http_client, transport)
        self._token_lock = threading.Lock()
        import concurrent.futures  # on first use: `import light_client` does not load it

        self._token_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="light-token"
        )
        self._init_resources(self._request)  # light.customers, ...: generated from the spec

    def _new_http_client(self) -> httpx.Client:
        return pools.sync_client(self.timeout)

    def _request(
        self,
        operation: Operation[ModelT],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
        raw_json: object = NOT_GIVEN,
        *,
        sink: Sink | None = None,
    ) -> RawResponse[ModelT]:
        call = prepare(self._settings, operation, path_arguments, params, raw_json, sink)
        return drive_sync(
            self._engine.flow(call, self._http),
            self._http,
            self._settings.clock,
            self._fetch_token,
            self._limiter,
        )

    def _fetch_token(self, request: FetchToken) -> str:
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
