"""The request path, written once for the async and the sync client.

``BaseClient._flow`` is a generator that runs one logical call -- pacing, attempts, redirects,
token refresh, retries, error mapping -- without doing any I/O itself: it yields what it needs
done (``_Send`` a request, ``_Sleep``, ``_FetchToken``) and is sent the result. ``LightClient``
drives it with ``await``, ``SyncLightClient`` with plain calls; neither repeats the logic.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

import httpx

from . import _fields
from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    MAX_RATE_LIMIT_WAITS,
    MAX_REDIRECTS,
    RATE_LIMIT_WINDOW,
)
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    LightError,
    status_error_class,
)
from ._logging import logger, redacted_headers, setup_logging
from ._operations import Operation
from ._pacing import RequestPacer
from ._response import RawResponse
from ._retries import is_retryable_status, retry_decision
from ._types import NOT_GIVEN, NotGiven, RequestOptions, TimeoutTypes
from ._validation import parse_model, schema_problem
from ._version import __version__
from .models import ErrorDetail

__all__ = ["BaseClient", "Credentials"]

ModelT = TypeVar("ModelT")
TokenT = TypeVar("TokenT")
OPTION_NAMES = frozenset(RequestOptions.__optional_keys__)
USER_AGENT = f"light-client/{__version__} python-httpx/{httpx.__version__}"


@dataclass(frozen=True)
class _Send:
    request: httpx.Request


@dataclass(frozen=True)
class _Sleep:
    seconds: float


@dataclass(frozen=True)
class _FetchToken:
    pass


Action = _Send | _Sleep | _FetchToken
# What a _Send gets back: the drivers turn httpx.RequestError into a value, nothing else.
Outcome = httpx.Response | httpx.RequestError


class Credentials(Generic[TokenT]):
    """The ``Authorization`` value: ``Basic <api_key>`` or ``Bearer <token>``. Never printed.

    ``token_provider`` (a callable returning a fresh token) is called before the first request
    and once more when a request gets 401.
    """

    def __init__(self, scheme: str, secret: str | None, token_provider: TokenT | None) -> None:
        self.scheme = scheme
        self._secret = secret
        self.token_provider = token_provider

    @property
    def authorization(self) -> str | None:
        return f"{self.scheme} {self._secret}" if self._secret is not None else None

    def set_token(self, token: str) -> None:
        self._secret = token

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
            return Credentials("Bearer", access_token, None)
        return Credentials("Bearer", None, access_token)
    api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not api_key:
        raise LightError(
            f"no credentials: pass api_key=... or access_token=... to the client, "
            f"or set the {API_KEY_ENV} environment variable"
        )
    return Credentials("Basic", api_key, None)


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


def _timeout(value: TimeoutTypes) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


@dataclass(frozen=True)
class _Call(Generic[ModelT]):
    """One logical call, checked and resolved before anything is sent."""

    operation: Operation[ModelT]
    method: str
    url: str
    body: dict[str, Any]
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
        default_headers: Mapping[str, str] | None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._credentials: Credentials[TokenT] = resolve_credentials(api_key, access_token)
        self.base_url = httpx.URL(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
        self.timeout = _timeout(timeout)
        self.max_retries = max_retries
        self.max_requests_per_minute = max_requests_per_minute
        self._pacer = RequestPacer(max_requests_per_minute, RATE_LIMIT_WINDOW)
        self._default_headers = dict(default_headers or {})
        setup_logging()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"

    # -- preparing a call: every check that needs no network ----------------------------------

    def _prepare(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any]
    ) -> _Call[ModelT]:
        resource_uuid = parse_id(resource_id, operation.id_name)
        options: RequestOptions = {k: v for k, v in params.items() if k in OPTION_NAMES}  # type: ignore[assignment]
        fields = {k: v for k, v in params.items() if k not in OPTION_NAMES}
        body = _fields.build_model(operation.body_type, fields)
        idempotency_key = options.get("idempotency_key") or str(uuid.uuid4())
        kwargs = operation.build_request(
            resource_uuid, body=body, x_idempotency_key=idempotency_key
        )
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self._default_headers,
            **kwargs["headers"],
            **(options.get("extra_headers") or {}),
        }
        timeout = options.get("timeout", NOT_GIVEN)
        max_retries = options.get("max_retries", NOT_GIVEN)
        return _Call(
            operation=operation,
            method=kwargs["method"].upper(),
            url=str(self.base_url).rstrip("/") + kwargs["url"],
            body=kwargs["json"],
            headers=headers,
            timeout=self.timeout if isinstance(timeout, NotGiven) else _timeout(timeout),
            max_retries=self.max_retries if isinstance(max_retries, NotGiven) else max_retries,
        )

    def _build_request(self, call: _Call[Any]) -> httpx.Request:
        headers = dict(call.headers)
        authorization = self._credentials.authorization
        if authorization is not None:
            headers.setdefault("Authorization", authorization)
        return self._http.build_request(
            call.method,
            call.url,
            content=_fields.encode_body(call.body),
            headers=headers,
            timeout=call.timeout,
        )

    # -- the flow of one call ------------------------------------------------------------------

    def _flow(self, call: _Call[ModelT]) -> Generator[Action, Any, RawResponse[ModelT]]:
        """Run one logical call: pace, send, follow redirects, refresh, retry, parse or raise."""
        retries_done = 0  # retries of failed attempts, bounded by max_retries
        rate_limit_waits = 0  # 429s answered by pausing the client, bounded separately
        attempt = 0
        refreshed = self._credentials.token_provider is None
        if self._credentials.authorization is None:
            self._credentials.set_token((yield _FetchToken()))
        while True:
            attempt += 1
            wait = self._pacer.reserve()
            if wait > 0:
                logger.debug("rate-limit pacing: waiting %.3f s", wait)
                yield _Sleep(wait)
            outcome = yield from self._attempt(call, attempt)
            client_paused = False
            if isinstance(outcome, httpx.Response):
                # A 429 with a hint pauses the whole client, not just this call: see _pacing.
                client_paused = self._pacer.observe(outcome.status_code, outcome.headers)
                if outcome.status_code == 401 and not refreshed:
                    # An expired token: fetch a fresh one and try once more (not a retry).
                    refreshed = True
                    self._credentials.set_token((yield _FetchToken()))
                    continue
                if outcome.is_success:
                    parsed = parse_model(call.operation.schema_name, call.operation.parse, outcome)
                    return RawResponse(parsed, outcome, attempt)
                if (
                    client_paused
                    and call.max_retries > 0
                    and rate_limit_waits < MAX_RATE_LIMIT_WAITS
                    and is_retryable_status(429, outcome.headers)
                ):
                    # Told when the next slot is: waiting for it, like pacing, costs no retry.
                    rate_limit_waits += 1
                    continue
            decision = retry_decision(
                outcome, retries_done=retries_done, max_retries=call.max_retries, now=time.time()
            )
            if not decision.retry:
                cause = outcome if isinstance(outcome, httpx.RequestError) else None
                raise self._final_error(outcome, attempt) from cause
            logger.info(
                "%s %s: retrying in %.2f s (retry %d of %d)",
                call.method,
                httpx.URL(call.url).path,
                decision.delay,
                retries_done + 1,
                call.max_retries,
            )
            retries_done += 1
            if decision.delay > 0 and not client_paused:  # else the pacer's wait is this one
                yield _Sleep(decision.delay)

    def _attempt(self, call: _Call[Any], attempt: int) -> Generator[Action, Any, Outcome]:
        """Send one attempt and follow its redirects; the final response or transport error."""
        request = self._build_request(call)
        for _ in range(MAX_REDIRECTS + 1):
            started = time.monotonic()
            logger.debug(
                "%s %s attempt %d headers=%s",
                request.method,
                request.url,
                attempt,
                redacted_headers(request.headers),
            )
            outcome: Outcome = yield _Send(request)
            elapsed_ms = (time.monotonic() - started) * 1000
            status = (
                outcome.status_code
                if isinstance(outcome, httpx.Response)
                else type(outcome).__name__
            )
            logger.info(
                "%s %s -> %s (%.0f ms, attempt %d)",
                request.method,
                request.url.path,
                status,
                elapsed_ms,
                attempt,
            )
            if not isinstance(outcome, httpx.Response) or not outcome.is_redirect:
                return outcome
            followed = _redirected(request, outcome)
            if followed is None:
                return outcome
            request = followed
        raise self._final_error(outcome, attempt, note="too many redirects")

    def _final_error(
        self,
        outcome: Outcome,
        attempts: int,
        note: str | None = None,
    ) -> LightError:
        if isinstance(outcome, httpx.TimeoutException):
            return APITimeoutError(
                f"request timed out: {outcome}", request=outcome.request, attempts=attempts
            )
        if isinstance(outcome, httpx.RequestError):
            return APIConnectionError(
                f"connection failed: {type(outcome).__name__}: {outcome}",
                request=outcome.request,
                attempts=attempts,
            )
        if outcome.is_redirect and note is None:
            note = _redirect_note(outcome)
        error_type, message, errors = _error_fields(outcome)
        return status_error_class(outcome.status_code)(
            response=outcome,
            error_type=error_type,
            message=message,
            errors=errors,
            attempts=attempts,
            note=note,
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
    location = response.headers.get("location", "(no Location)")
    return (
        f"the server redirected the {response.request.method} with {response.status_code} to "
        f"{location}, which the SDK does not follow (it would change the method or drop the "
        "body); the update may not have been applied"
    )


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, list[ErrorDetail]]:
    """Light's error fields from an error body, each taken only if it has the documented shape.

    Lenient on purpose: one odd part (an unexpected ``context``) must not hide the rest.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, None, []
    if not isinstance(body, dict):
        return None, None, []
    error_type = body.get("type") if isinstance(body.get("type"), str) else None
    message = next((body[k] for k in ("message", "name") if isinstance(body.get(k), str)), None)
    details: list[Any] = body["errors"] if isinstance(body.get("errors"), list) else []
    errors = [parsed for item in details if (parsed := _error_detail(item)) is not None]
    return error_type, message, errors


def _error_detail(item: object) -> ErrorDetail | None:
    if not isinstance(item, dict):
        return None
    for candidate in (item, {k: v for k, v in item.items() if k != "context"}):
        if schema_problem("ErrorDetail", candidate) is None:
            return ErrorDetail.from_dict(candidate)
    return None


# The drivers. Each performs the flow's actions with its own kind of I/O; nothing else.


async def drive_async(
    flow: Generator[Action, Any, RawResponse[ModelT]],
    http: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[None]],
    fetch_token: Callable[[], Awaitable[str]],
) -> RawResponse[ModelT]:
    reply: Any = None
    try:
        while True:
            action = flow.send(reply)
            if isinstance(action, _Send):
                try:
                    reply = await http.send(action.request, follow_redirects=False)
                except httpx.RequestError as exc:
                    reply = exc
            elif isinstance(action, _Sleep):
                await sleep(action.seconds)
                reply = None
            else:
                reply = await fetch_token()
    except StopIteration as done:
        result: RawResponse[ModelT] = done.value
        return result
    finally:
        flow.close()


def drive_sync(
    flow: Generator[Action, Any, RawResponse[ModelT]],
    http: httpx.Client,
    sleep: Callable[[float], None],
    fetch_token: Callable[[], str],
) -> RawResponse[ModelT]:
    reply: Any = None
    try:
        while True:
            action = flow.send(reply)
            if isinstance(action, _Send):
                try:
                    reply = http.send(action.request, follow_redirects=False)
                except httpx.RequestError as exc:
                    reply = exc
            elif isinstance(action, _Sleep):
                sleep(action.seconds)
                reply = None
            else:
                reply = fetch_token()
    except StopIteration as done:
        result: RawResponse[ModelT] = done.value
        return result
    finally:
        flow.close()
