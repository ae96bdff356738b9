"""The request path, written once for the async and the sync client.

``BaseClient._flow`` is a generator that runs one logical call -- pacing, attempts, redirects,
token refresh, retries, error mapping -- without doing any I/O itself: it yields what it needs
done (``_Send`` a request, ``_Sleep``, ``_FetchToken``) and is sent the result. ``LightClient``
drives it with ``await``, ``SyncLightClient`` with plain calls; neither repeats the logic.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

import httpx

from . import _fields
from ._checks import (
    check_credential,
    check_header_value,
    check_headers,
    check_max_retries,
    check_timeout,
    shorten,
)
from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    MAX_REDIRECTS,
    MAX_RETRY_AFTER,
)
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    LightError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    status_error_class,
)
from ._logging import logger, redacted_headers, setup_logging
from ._pacing import RateLimiter
from ._rate_stores import Change, RateLimitStore
from ._response import RawResponse
from ._retries import CallState, Pause, Raise, decide
from ._schedule import Booking
from ._types import NOT_GIVEN, NotGiven, RequestOptions, TimeoutTypes
from ._validation import check_request, parse_model, request_document, schema_problem
from ._version import __version__

if TYPE_CHECKING:  # the generated code loads with the first client, not at import
    from ._generated.models import ErrorDetail
    from ._operations import Operation

__all__ = ["BaseClient", "Credentials", "TokenRequest"]

ModelT = TypeVar("ModelT")
TokenT = TypeVar("TokenT")
OPTION_NAMES = frozenset(RequestOptions.__optional_keys__)
USER_AGENT = f"light-client/{__version__} python-httpx/{httpx.__version__}"


@dataclass(slots=True)  # not frozen: built on every call, and never changed
class _Send:
    """Send a request and read its answer, whole, by ``deadline`` (monotonic; ``None``: none).

    ``client_auth``: whether a user's own ``http_client`` may add its ``auth`` (not on a
    redirect to another origin).
    """

    request: httpx.Request
    deadline: float | None
    max_bytes: int
    client_auth: bool = True


@dataclass(frozen=True)
class _Sleep:
    seconds: float


@dataclass(frozen=True)
class _FetchToken:
    """Get a token from the provider, unless another call already replaced ``stale``."""

    stale: str | None
    timeout: float | None


@dataclass(slots=True)  # as _Send
class _Schedule:
    """Apply a change to the credential's rate-limit schedule (in its store): the answer."""

    key: str
    change: Change[Any]


Action = _Send | _Sleep | _FetchToken | _Schedule
TokenRequest = _FetchToken
# What a _Send gets back: the drivers turn httpx.RequestError into a value, nothing else.
Outcome = httpx.Response | httpx.RequestError


class Credentials(Generic[TokenT]):
    """The ``Authorization`` value: ``Basic <api_key>`` or ``Bearer <token>``. Never printed.

    ``token_provider`` (a callable returning a fresh token) is called before the first request
    and once more when a request gets 401.
    """

    def __init__(self, scheme: str, secret: str | None, token_provider: TokenT | None) -> None:
        self.scheme = scheme
        self.token_provider = token_provider
        self.set_token(secret)

    @property
    def can_refresh(self) -> bool:
        return self.token_provider is not None

    def fresh(self) -> bool:
        """Whether the token in hand may still be used: a provider that knows (``is_fresh``,
        e.g. an OAuth ``TokenProvider`` near expiry) is asked; any other token is kept."""
        is_fresh = getattr(self.token_provider, "is_fresh", None)
        secret = self._secret
        return secret is None or not callable(is_fresh) or bool(is_fresh(secret))

    @property
    def _secret(self) -> str | None:
        return self._token[0]

    @property
    def authorization(self) -> str | None:
        return self._token[1]

    def set_token(self, token: str | None) -> None:
        # The token and its header value, built once per token (not on each of the several
        # reads of every call) and set together: a thread never sees one without the other.
        self._token = (token, f"{self.scheme} {token}" if token is not None else None)

    def arguments(self) -> dict[str, Any]:
        """The constructor keyword that gives this credential (for a derived client)."""
        if self.scheme == "Basic":
            return {"api_key": self._secret}
        return {"access_token": self.token_provider or self._secret}

    def __repr__(self) -> str:
        return f"Credentials({self.scheme} <redacted>)"


def resolve_credentials(
    api_key: str | None, access_token: str | TokenT | None
) -> Credentials[TokenT]:
    """Constructor argument first, then ``LIGHT_API_KEY``; an error naming it when none."""
    if api_key is not None and access_token is not None:
        raise LightError("pass either api_key= or access_token=, not both")
    if access_token is not None:
        if isinstance(access_token, str):
            return Credentials("Bearer", check_credential(access_token, what="access_token"), None)
        if not callable(access_token):
            raise TypeError("access_token must be a string or a callable returning one")
        return Credentials("Bearer", None, access_token)
    what = "api_key" if api_key is not None else API_KEY_ENV
    api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not api_key:
        raise LightError(
            f"no credentials: pass api_key=... or access_token=... to the client, "
            f"or set the {API_KEY_ENV} environment variable"
        )
    return Credentials("Basic", check_credential(api_key, what=what), None)


def parse_id(value: UUID | str, name: str) -> UUID:
    """Accept a ``UUID`` or its string form; anything else is a ``ValueError``, before any I/O."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise ValueError(f"{name} must be a UUID or a UUID string, got {value!r}")


def _redacted_url(url: httpx.URL) -> str:
    """The URL without a password (``https://user:<redacted>@host``), for reprs and messages."""
    if not url.password:
        return str(url)
    userinfo = url.userinfo.decode("ascii")
    return str(url).replace(f"{userinfo}@", f"{url.username}:<redacted>@", 1)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field
class _Call(Generic[ModelT]):
    """One logical call, checked and resolved before anything is sent; never changed after."""

    operation: Operation[ModelT]
    resource_id: UUID
    method: str
    url: str
    body: dict[str, Any] | None
    content: bytes | None  # the body as sent
    headers: dict[str, str]
    timeout: httpx.Timeout
    max_retries: int


class BaseClient(Generic[TokenT]):
    """Configuration and the request flow shared by ``LightClient`` and ``SyncLightClient``."""

    # Set by the subclass: only its pure ``build_request`` (which merges the client's default
    # headers and cookies, e.g. those of a user's own client) is used here.
    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None,
        access_token: str | TokenT | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        max_retries: int,
        max_requests_per_minute: int | None,
        rate_limit_store: RateLimitStore | None,
        default_headers: Mapping[str, str] | None,
        max_response_bytes: int,
    ) -> None:
        self._credentials: Credentials[TokenT] = resolve_credentials(api_key, access_token)
        self._base_url = httpx.URL(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
        if self._base_url.scheme not in ("http", "https") or not self._base_url.host:
            raise ValueError(
                f"base_url must be an http(s) URL, got {_redacted_url(self._base_url)}"
            )
        self._url_prefix = str(self._base_url).rstrip("/")  # each call's URL starts with it
        self.timeout = check_timeout(timeout)
        self.max_retries = check_max_retries(max_retries)
        self.max_requests_per_minute = max_requests_per_minute
        self._limiter = RateLimiter(max_requests_per_minute, store=rate_limit_store)
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise TypeError("max_response_bytes must be an int")
        if max_response_bytes < 1:
            raise ValueError("max_response_bytes must be >= 1")
        self.max_response_bytes = max_response_bytes
        self._default_headers = check_headers(default_headers, what="default_headers")
        setup_logging()

    @property
    def base_url(self) -> httpx.URL:
        return self._base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={_redacted_url(self.base_url)!r})"

    def _derived(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor keywords for a client like this one but for ``overrides`` (``with_options``).

        The derived client shares this one's connection pool and rate-limit store, so clients
        with the same credential keep sharing one budget, and a new credential gets its own.
        """
        given = {name: value for name, value in overrides.items() if value is not NOT_GIVEN}
        settings: dict[str, Any] = {
            "base_url": str(self.base_url),
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "max_requests_per_minute": self.max_requests_per_minute,
            "rate_limit_store": self._limiter.store,
            "default_headers": self._default_headers,
            "max_response_bytes": self.max_response_bytes,
            "http_client": self._http,
        }
        if "default_headers" in given:  # added to this client's, not instead of them
            given["default_headers"] = {**self._default_headers, **(given["default_headers"] or {})}
        if "api_key" not in given and "access_token" not in given:
            settings.update(self._credentials.arguments())
        return {**settings, **given}

    def _share_credentials(self, derived: BaseClient[Any], overrides: Mapping[str, Any]) -> None:
        """Without a new credential, the derived client shares this one's (and its token)."""
        if all(overrides.get(name, NOT_GIVEN) is NOT_GIVEN for name in ("api_key", "access_token")):
            derived._credentials = self._credentials

    # -- preparing a call: every check that needs no network ----------------------------------

    def _prepare(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> _Call[ModelT]:
        resource_uuid = parse_id(resource_id, operation.id_name)
        options: RequestOptions = {}
        fields: Mapping[str, Any] = params
        if not OPTION_NAMES.isdisjoint(params):  # most calls pass fields only
            options = {k: v for k, v in params.items() if k in OPTION_NAMES}  # type: ignore[assignment]
            fields = {k: v for k, v in params.items() if k not in OPTION_NAMES}
        body = _fields.build_body(operation.body_type, fields, operation.operation_id)
        given_key = options.get("idempotency_key")
        idempotency_key = given_key or str(uuid.uuid4())
        try:  # the generated builder makes the JSON document once: it is checked, then sent
            kwargs = operation.request_kwargs(resource_uuid, body, idempotency_key)
        except (AttributeError, TypeError, ValueError):
            if operation.body_type is not None:
                request_document(operation.body_type, body)  # the ValueError naming the model
            raise
        if operation.body_type is not None:
            check_request(operation.body_type, kwargs["json"])
        if given_key:  # a UUID4 of ours needs no check
            check_header_value("X-Idempotency-Key", given_key, what="idempotency_key")
        extra_headers = check_headers(options.get("extra_headers"), what="extra_headers")
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self._default_headers,
            **kwargs.get("headers", {}),
            **extra_headers,
        }
        timeout = options.get("timeout", NOT_GIVEN)
        max_retries = options.get("max_retries", NOT_GIVEN)
        body_json = _fields.merge_extra_body(operation.body_type, kwargs.get("json"), options)
        return _Call(
            operation=operation,
            resource_id=resource_uuid,
            method=kwargs["method"].upper(),
            url=self._url_prefix + kwargs["url"],
            body=body_json,
            content=None if body_json is None else _fields.encode_body(body_json),  # once per call
            headers=headers,
            timeout=self.timeout if isinstance(timeout, NotGiven) else check_timeout(timeout),
            max_retries=(
                self.max_retries
                if isinstance(max_retries, NotGiven)
                else check_max_retries(max_retries)
            ),
        )

    def _build_request(self, call: _Call[Any]) -> httpx.Request:
        headers = dict(call.headers)
        authorization = self._credentials.authorization
        if authorization is not None:
            headers.setdefault("Authorization", authorization)
        return self._http.build_request(
            call.method,
            call.url,
            content=call.content,
            headers=headers,
            timeout=call.timeout,
        )

    # -- the flow of one call ------------------------------------------------------------------

    def _flow(self, call: _Call[ModelT]) -> Generator[Action, Any, RawResponse[ModelT]]:
        """Run one logical call: pace, send, follow redirects, refresh, retry, parse or raise.

        What to do after a failed attempt is ``_retries.decide``'s answer alone.
        """
        state = CallState(call.max_retries, can_refresh_token=self._credentials.can_refresh)
        deadline: float | None = None  # the call's timeout runs from its first send
        attempt = 0
        token_timeout = call.timeout.read
        if self._credentials.authorization is None or not self._credentials.fresh():
            stale = self._credentials.authorization
            self._credentials.set_token((yield _FetchToken(stale, token_timeout)))
        while True:
            attempt += 1
            sent_with = self._credentials.authorization
            key = self._limiter.key(sent_with)
            yield from self._wait_for_slot(call, key, deadline)
            if deadline is None and call.timeout.read is not None:
                deadline = time.monotonic() + call.timeout.read
            outcome = yield from self._attempt(call, attempt, deadline)
            if isinstance(outcome, httpx.Response):
                for change in self._limiter.learn(outcome.headers):
                    yield _Schedule(key, change)
                if outcome.is_success:
                    parsed = parse_model(call.operation.schema_name, call.operation.parse, outcome)
                    _check_same_resource(parsed, call, outcome)
                    return RawResponse(parsed, outcome, attempt)
            time_left = None if deadline is None else deadline - time.monotonic()
            decision = decide(outcome, replace(state, time_left=time_left), now=time.time())
            if isinstance(decision, Raise):
                if decision.hold_client and decision.retry_at is not None:
                    yield _Schedule(key, self._limiter.hold(decision.retry_at))
                cause = outcome if isinstance(outcome, httpx.RequestError) else None
                raise self._final_error(outcome, attempt, decision) from cause
            logger.info(
                "%s %s: %s (attempt %d)",
                call.method,
                httpx.URL(call.url).path,
                decision.reason,
                attempt,
            )
            state = replace(
                state,
                retries_done=state.retries_done + decision.costs_retry,
                rate_limit_waits=state.rate_limit_waits + isinstance(decision, Pause),
            )
            if isinstance(decision, Pause):
                # The whole client waits; this call is the first to book after the pause.
                yield _Schedule(key, self._limiter.hold(decision.until))
            elif decision.refresh_token:
                self._credentials.set_token((yield _FetchToken(sent_with, token_timeout)))
                state = replace(state, can_refresh_token=False)
            elif decision.delay > 0:
                yield _Sleep(decision.delay)

    def _wait_for_slot(
        self, call: _Call[Any], key: str, deadline: float | None
    ) -> Generator[Action, Any, None]:
        """Book a start on the schedule and sleep until it; give it back if cancelled."""
        limiter = self._limiter
        booking: Booking = yield _Schedule(key, limiter.reserve())
        while booking.wait > 0:
            if deadline is not None and time.monotonic() + booking.wait > deadline:
                # A retry whose slot comes after the call's timeout: give up now, not then.
                yield _Schedule(key, limiter.release(booking))
                raise APITimeoutError(
                    f"the call's timeout ({call.timeout.read} s) runs out before its next slot",
                    request=self._build_request(call),
                )
            if booking.hold - (booking.start - booking.wait) > MAX_RETRY_AFTER:
                # Held until a daily limit resets: fail now rather than wait for hours.
                yield _Schedule(key, limiter.release(booking))
                raise _held_error(self._build_request(call), booking)
            logger.debug("rate limit: waiting %.3f s for a slot", booking.wait)
            try:
                yield _Sleep(booking.wait)
            except GeneratorExit:
                raise
            except BaseException:  # cancelled or timed out while waiting: give the slot back
                if booking.origin == limiter.origin:
                    yield _Schedule(key, limiter.release(booking))
                raise
            if booking.origin != limiter.origin:  # the shared store went down or came back
                booking = yield _Schedule(key, limiter.reserve())
                continue
            confirmed: Booking = yield _Schedule(key, limiter.confirm(booking))
            if confirmed.epoch == booking.epoch:  # still ours: it is time
                return
            booking = confirmed  # the schedule moved (a pause, a stricter rate): booked anew

    def _attempt(
        self, call: _Call[Any], attempt: int, deadline: float | None
    ) -> Generator[Action, Any, Outcome]:
        """Send one attempt and follow its redirects; the final response or transport error."""
        request = self._build_request(call)
        client_auth = True
        for _ in range(MAX_REDIRECTS + 1):
            if deadline is not None:  # no single connect, read or write outlasts the call
                left = max(deadline - time.monotonic(), 0.001)
                request.extensions["timeout"] = {
                    phase: left if limit is None or left < limit - 0.05 else limit
                    for phase, limit in call.timeout.as_dict().items()
                }
            started = time.monotonic()
            if logger.isEnabledFor(logging.DEBUG):  # redacting the headers is not free
                logger.debug(
                    "%s %s attempt %d headers=%s",
                    request.method,
                    _redacted_url(request.url),
                    attempt,
                    redacted_headers(request.headers),
                )
            outcome: Outcome = yield _Send(request, deadline, self.max_response_bytes, client_auth)
            if logger.isEnabledFor(logging.INFO):  # the URL's path is decoded for the line
                logger.info(
                    "%s %s -> %s (%.0f ms, attempt %d)",
                    request.method,
                    request.url.path,
                    (
                        outcome.status_code
                        if isinstance(outcome, httpx.Response)
                        else type(outcome).__name__
                    ),
                    (time.monotonic() - started) * 1000,
                    attempt,
                )
            if not isinstance(outcome, httpx.Response) or not outcome.is_redirect:
                return outcome
            followed = _redirected(request, outcome)
            if followed is None:
                return outcome
            client_auth = client_auth and _same_origin(followed.url, request.url)
            request = followed
        raise self._final_error(outcome, attempt, Raise("too many redirects"))

    def _final_error(
        self, outcome: Outcome, attempts: int, decision: Raise | None = None
    ) -> LightError:
        reason = decision.reason if decision is not None else None
        if isinstance(outcome, httpx.TimeoutException):
            return APITimeoutError(
                f"request timed out: {outcome}",
                request=outcome.request,
                attempts=attempts,
                reason=reason,
            )
        if isinstance(outcome, httpx.RequestError):
            return APIConnectionError(
                f"connection failed: {type(outcome).__name__}: {outcome}",
                request=outcome.request,
                attempts=attempts,
                reason=reason,
            )
        if outcome.is_redirect and reason is None:
            reason = _redirect_note(outcome)
        error_type, message, errors = _error_fields(outcome)
        error = status_error_class(outcome.status_code)(
            response=outcome,
            error_type=error_type,
            message=message,
            errors=errors,
            attempts=attempts,
            note=reason,
        )
        if isinstance(error, RateLimitError) and decision is not None:
            error.retry_at = _utc(decision.retry_at)
        return error


def _utc(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _held_error(request: httpx.Request, booking: Booking) -> RateLimitError:
    """The error for a call not sent because the client is held until a daily limit resets."""
    retry_at = _utc(booking.hold)
    assert retry_at is not None
    message = (
        f"not sent: Light's rate limit is used up until {retry_at.isoformat(timespec='seconds')} "
        "(the server said so on an earlier answer), so the client holds every request until then"
    )
    response = httpx.Response(
        429,
        headers={"Retry-After": str(math.ceil(booking.hold - (booking.start - booking.wait)))},
        json={"type": "TOO_MANY_REQUESTS", "message": message},
        request=request,
    )
    error = RateLimitError(
        response=response, error_type="TOO_MANY_REQUESTS", message=message, errors=[], attempts=0
    )
    error.retry_at = retry_at
    return error


def _check_same_resource(parsed: Any, call: _Call[Any], response: httpx.Response) -> None:
    """The answer to an update must be the resource updated: not ``{}``, not another one."""
    answered = getattr(parsed, "id", None)
    if answered != call.resource_id:
        what = "no id" if not isinstance(answered, UUID) else f"id {answered}"
        raise ResponseValidationError(
            f"the answer describes a resource with {what}, not {call.resource_id}: the update's "
            "result is unknown (fetch the resource before retrying)",
            path="id",
            response=response,
        )


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _redirected(request: httpx.Request, response: httpx.Response) -> httpx.Request | None:
    """The request to send for a redirect, or ``None`` when it must not be followed.

    The method and body are always kept: a PATCH is never turned into a GET, which would report
    the resource as it is instead of applying the update. So 303 See Other (whose meaning is
    "now GET this") is not followed. Credentials go to the same origin only.
    """
    location = response.headers.get("location")
    if response.status_code not in (301, 302, 307, 308) or not location:
        return None
    url = request.url.join(location)
    if url.scheme not in ("http", "https") or (request.url.scheme == "https" != url.scheme):
        return None  # never downgrade: the body (and its data) would go out in clear text
    headers = httpx.Headers(request.headers)
    del headers["host"]
    if not _same_origin(url, request.url):
        headers.pop("authorization", None)
        headers.pop("cookie", None)
    return httpx.Request(
        request.method,
        url,
        headers=headers,
        content=request.content,
        extensions=request.extensions,
    )


def _redirect_note(response: httpx.Response) -> str:
    location = shorten(response.headers.get("location", "(no Location)"), 200)
    if response.request.url.scheme == "https" and location.startswith("http:"):
        why = "it leads from https to http, where the body would travel in clear text"
    else:
        why = "it would change the method or drop the body"
    return (
        f"the server redirected the {response.request.method} with {response.status_code} to "
        f"{location}, which the SDK does not follow ({why}); the update was not sent there"
    )


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, list[ErrorDetail]]:
    """Light's error fields from an error body, each taken only if it has the documented shape.

    Lenient on purpose: one odd part (an unexpected ``context``) must not hide the rest.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, []
    if not isinstance(body, dict):
        return None, None, []
    error_type = shorten(body["type"], 100) if isinstance(body.get("type"), str) else None
    message = next((body[k] for k in ("message", "name") if isinstance(body.get(k), str)), None)
    message = None if message is None else shorten(message)
    details: list[Any] = body["errors"] if isinstance(body.get("errors"), list) else []
    errors = [parsed for item in details if (parsed := _error_detail(item)) is not None]
    return error_type, message, errors


def _error_detail(item: object) -> ErrorDetail | None:
    from ._generated.models import ErrorDetail

    if not isinstance(item, dict):
        return None
    for candidate in (item, {k: v for k, v in item.items() if k != "context"}):
        try:
            if schema_problem("ErrorDetail", candidate) is None:
                return ErrorDetail.from_dict(candidate)
        except RecursionError:
            continue
    return None


class _Body:
    """Collects a streamed body within the size limit and the call's deadline."""

    def __init__(self, action: _Send, response: httpx.Response) -> None:
        self.action, self.response = action, response
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.action.max_bytes:  # counted decoded: a gzip bomb stops here too
            raise ResponseTooLargeError(self.response, self.action.max_bytes)
        if self.action.deadline is not None and time.monotonic() > self.action.deadline:
            raise httpx.ReadTimeout(
                "the call's timeout ran out while reading the body", request=self.action.request
            )
        self.chunks.append(chunk)

    def response_read(self) -> httpx.Response:
        # What httpx's own Response.read() does with the chunks it iterates over.
        self.response._content = b"".join(self.chunks)
        return self.response


async def _receive_async(http: httpx.AsyncClient, action: _Send) -> Outcome:
    import asyncio  # on first use: `import light_client` does not load asyncio

    auth = httpx.USE_CLIENT_DEFAULT if action.client_auth else None
    remaining = None if action.deadline is None else max(action.deadline - time.monotonic(), 0)
    try:
        async with asyncio.timeout(remaining):
            response = await http.send(
                action.request, auth=auth, follow_redirects=False, stream=True
            )
            body = _Body(action, response)
            try:
                async for chunk in response.aiter_bytes():
                    body.add(chunk)
            finally:
                await response.aclose()
    except httpx.RequestError as exc:
        return exc
    except TimeoutError:
        return httpx.ReadTimeout("the call's timeout ran out", request=action.request)
    return body.response_read()


def _receive_sync(http: httpx.Client, action: _Send) -> Outcome:
    auth = httpx.USE_CLIENT_DEFAULT if action.client_auth else None
    try:
        response = http.send(action.request, auth=auth, follow_redirects=False, stream=True)
        body = _Body(action, response)
        try:
            for chunk in response.iter_bytes():
                body.add(chunk)
        finally:
            response.close()
    except httpx.RequestError as exc:
        return exc
    return body.response_read()


# The drivers. Each performs the flow's actions with its own kind of I/O; nothing else. An
# exception while performing one (a cancellation, a timeout) is thrown into the flow, which may
# ask for more actions before it lets it through (to give back a booked slot).


async def drive_async(
    flow: Generator[Action, Any, RawResponse[ModelT]],
    http: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[None]],
    fetch_token: Callable[[_FetchToken], Awaitable[str]],
    limiter: RateLimiter,
) -> RawResponse[ModelT]:
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = flow.send(reply) if error is None else flow.throw(error)
            reply, error = None, None
            try:
                if isinstance(action, _Send):
                    reply = await _receive_async(http, action)
                elif isinstance(action, _Schedule):
                    reply = await limiter.aapply(action.key, action.change)
                elif isinstance(action, _Sleep):
                    await sleep(action.seconds)
                else:
                    reply = await fetch_token(action)
            except BaseException as exc:
                error = exc
    except StopIteration as done:
        result: RawResponse[ModelT] = done.value
        return result
    finally:
        flow.close()


def drive_sync(
    flow: Generator[Action, Any, RawResponse[ModelT]],
    http: httpx.Client,
    sleep: Callable[[float], None],
    fetch_token: Callable[[_FetchToken], str],
    limiter: RateLimiter,
) -> RawResponse[ModelT]:
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = flow.send(reply) if error is None else flow.throw(error)
            reply, error = None, None
            try:
                if isinstance(action, _Send):
                    reply = _receive_sync(http, action)
                elif isinstance(action, _Schedule):
                    reply = limiter.apply(action.key, action.change)
                elif isinstance(action, _Sleep):
                    sleep(action.seconds)
                else:
                    reply = fetch_token(action)
            except BaseException as exc:
                error = exc
    except StopIteration as done:
        result: RawResponse[ModelT] = done.value
        return result
    finally:
        flow.close()
