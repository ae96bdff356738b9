"""A local HTTP server that behaves like Light for the operations in openapi.yaml.

Every request goes through one pipeline, as in Prism and stripe-mock: route (taken from the
spec) -> read the body (bounded) -> rate limit -> authenticate -> validate the request (the
spec, then the SDK's own strict checks) -> idempotency replay -> handle -> validate the answer
against the response schema. A malformed request of any kind gets an answer in Light's error
format; an answer that breaks the spec is the mock's own bug: a 500 and a loud log line.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import math
import random
import re
import secrets
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlencode

from jsonschema.exceptions import best_match
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import SecurityValidationError
from werkzeug.datastructures import Headers

from .._validation import _spec, is_nullable, json_path, schema_problem
from ._store import SEED_CREDIT_ID, SEED_CUSTOMER_ID, Store, response_properties

__all__ = ["Faults", "LightMock", "RateLimit"]

DEFAULT_API_KEY = "sk_mock_light_0000000000000000"
REDIRECT_PREFIX = "/moved"
# Light's answers and requests are small: a larger body is refused before it is read.
MAX_BODY_BYTES = 1024 * 1024
# An open connection that sends nothing for this long is closed (keep-alive clients reconnect).
IDLE_TIMEOUT_SECONDS = 30.0
# At most this many connections are served at once; further ones wait to be accepted.
MAX_CONNECTIONS = 128
# How often the serving thread looks for a stop request: stopping takes at most this long.
POLL_INTERVAL_SECONDS = 0.01

logger = logging.getLogger("light_client.mock")


@dataclass(frozen=True)
class Route:
    """A path of openapi.yaml: its pattern, and per method the operation's schemas."""

    pattern: re.Pattern[str]
    parameter: str
    # method (upper case) -> (resource schema of the 200 answer, request body schema or None)
    operations: dict[str, tuple[str, str | None]]


def _schema_name(content: dict[str, Any] | None) -> str | None:
    if not content:
        return None
    (media,) = content.values()
    ref: str = media["schema"]["$ref"]
    return ref.removeprefix("#/components/schemas/")


@functools.cache
def routes() -> tuple[Route, ...]:
    """The routes of openapi.yaml: an operation added there is routed with no code here."""
    found = []
    for template, item in _spec()["paths"].items():
        (parameter,) = re.findall(r"{(\w+)}", template)
        pattern = re.compile("^" + re.sub(r"{\w+}", "(?P<id>[^/]+)", template) + "$")
        operations = {
            method.upper(): (
                str(_schema_name(operation["responses"]["200"]["content"])),
                _schema_name(operation.get("requestBody", {}).get("content")),
            )
            for method, operation in item.items()
            if isinstance(operation, dict) and "responses" in operation
        }
        found.append(Route(pattern, parameter, operations))
    return tuple(found)


@functools.cache
def _openapi() -> OpenAPI:
    """openapi.yaml parsed for openapi-core once per process (building it takes ~200 ms)."""
    return OpenAPI.from_dict(_spec())


@functools.cache
def read_only(resource: str, request: str) -> frozenset[str]:
    """Properties of the resource that its update request does not have: set by the server."""
    schemas = _spec()["components"]["schemas"]
    return frozenset(schemas[resource]["properties"]) - frozenset(schemas[request]["properties"])


OAUTH_CLIENT_ID = "mock_client_id"
OAUTH_CLIENT_SECRET = "mock_client_secret"


@dataclass
class OAuthState:
    """Codes, tokens and refresh tokens the mock has issued (each refresh token works once)."""

    codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code: (redirect, expiry)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token: expiry
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # live refresh token: access
    refreshes: int = 0


def _oauth_error(error: str, description: str) -> dict[str, str]:
    """An error as OAuth 2.0 (RFC 6749) words it: ``error`` and ``error_description``."""
    return {"error": error, "error_description": description}


@dataclass
class RateLimit:
    """At most ``limit`` requests per fixed ``window`` of seconds, as Light counts them."""

    limit: int = 300
    window: float = 60.0


@dataclass
class Faults:
    """Fault injection, each a share of requests from 0 to 1 (drawn from a seeded random).

    ``server_errors``: answer 503 without applying. ``dropped``: apply, then close the connection
    without answering (the client cannot know the update went through). ``latency``: seconds
    added to every answer. ``redirect``: answer every request outside ``/moved`` with this
    redirect status (e.g. 307) to the same path under ``/moved``.
    """

    server_errors: float = 0.0
    dropped: float = 0.0
    latency: float = 0.0
    redirect: int | None = None
    seed: int = 0


@dataclass
class Stats:
    """What the mock saw, for tests: requests, answers by status, updates applied per key."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connects when a client opens dozens at once.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()  # bounded: no thread per connection beyond MAX_CONNECTIONS
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (or times out) mid-answer is not the mock's error: stay quiet.
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | socket.timeout):
            return
        super().handle_error(request, client_address)


@dataclass
class _Request:
    """The request as openapi-core's validator wants to see it."""

    host_url: str
    path: str
    method: str
    body: bytes
    content_type: str
    parameters: RequestParameters


class _Refusal(Exception):
    """A request answered with an error, at whichever stage of the pipeline found it."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class LightMock:
    """Light on loopback. Use as a context manager, or ``start()`` / ``stop()``::

        with LightMock() as light_mock:
            client = LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url)

    ``port=0`` picks a free port. State lives in ``store``; ``stats`` counts what happened;
    ``reset()`` puts both back as they were at the start (for a mock shared by many tests).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        rate_limit: RateLimit | None = None,
        faults: Faults | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the Light mock listens on loopback only")
        self.api_key = api_key
        self.rate_limit = rate_limit or RateLimit()
        self.faults = faults or Faults()
        self.customer_id = SEED_CUSTOMER_ID
        self.customer_credit_id = SEED_CREDIT_ID
        # OAuth 2.0 (``/oauth/authorize``, ``/oauth/token``): one registered integration.
        self.oauth_client_id = OAUTH_CLIENT_ID
        self.oauth_client_secret = OAUTH_CLIENT_SECRET
        self.oauth_expires_in = 3600  # seconds an access token lives; lower it to test expiry
        self._server_url = _spec()["servers"][0]["url"]
        self._lock = threading.Lock()  # everything below, and the store's changes
        self.reset()
        self._httpd = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Back to the seeded data, with no requests counted and no idempotency keys seen."""
        with self._lock:
            self.store = Store()
            self.stats = Stats()
            self._random = random.Random(self.faults.seed)
            self._window_start = time.time()
            self._window_count = 0
            # key -> (method, path, body fingerprint, status, answer) of its first request
            self._idempotency: dict[str, tuple[str, str, str, int, bytes]] = {}
            self.oauth = OAuthState()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(POLL_INTERVAL_SECONDS,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the stages of the pipeline ------------------------------------------------------------

    def rate_limit_headers(self) -> tuple[bool, dict[str, str]]:
        """Count this request; whether it is over the limit, and the X-RateLimit-* headers."""
        with self._lock:
            now = time.time()
            if now >= self._window_start + self.rate_limit.window:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            reset = self._window_start + self.rate_limit.window
            over = self._window_count > self.rate_limit.limit
            headers = {
                "X-RateLimit-Limit": str(self.rate_limit.limit),
                "X-RateLimit-Remaining": str(max(self.rate_limit.limit - self._window_count, 0)),
                "X-RateLimit-Reset": str(math.ceil(reset)),
            }
            if over:
                headers["Retry-After"] = str(max(math.ceil(reset - now), 1))
            return over, headers

    def count(self, *, request: bool = False, status: int | None = None) -> None:
        with self._lock:  # handler threads run in parallel
            self.stats.requests += request
            if status is not None:
                self.stats.statuses[status] += 1

    def draw(self, share: float) -> bool:
        with self._lock:
            return share > 0 and self._random.random() < share

    def route(self, method: str, path: str) -> tuple[Route, str, str]:
        """The route, resource id and method of a request: 404 or 405 (with ``Allow``) if none."""
        for route in routes():
            if match := route.pattern.match(path):
                if method not in route.operations:
                    allow = ", ".join(sorted(route.operations))
                    raise _Refusal(
                        405,
                        _error_body("METHOD_NOT_ALLOWED", f"{method} is not allowed here", None),
                        {"Allow": allow},
                    )
                return route, match["id"], method
        raise _Refusal(404, {"type": "NOT_FOUND", "message": f"no route {path}"})

    def authenticate(self, authorization: str | None) -> None:
        if authorization in (f"Basic {self.api_key}", f"Bearer {self.api_key}"):
            return
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            expires = self.oauth.access_tokens.get(token) if scheme == "Bearer" else None
        if expires is None or expires <= time.time():
            raise _Refusal(401, {"type": "UNAUTHORIZED", "message": "invalid API key or token"})

    # -- OAuth 2.0, as Light documents it (outside openapi.yaml: not an SDK operation) ---------

    def authorize(self, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        """``GET /oauth/authorize``: the user consents at once; 302 to ``redirect_uri?code&state``."""
        client_id, redirect_uri, state = (
            (query.get(name) or [""])[0] for name in ("client_id", "redirect_uri", "state")
        )
        if client_id != self.oauth_client_id:
            raise _Refusal(400, _error_body("BAD_REQUEST", "unknown client_id", ["client_id"]))
        if not redirect_uri.startswith(("http://", "https://")):
            raise _Refusal(400, _error_body("BAD_REQUEST", "must be a URL", ["redirect_uri"]))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.oauth.codes[code] = (redirect_uri, time.time() + 600)
        location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}" + urlencode(
            {"code": code, "state": state}
        )
        return 302, b"", {"Location": location}

    def token(self, form: dict[str, list[str]], authorization: str | None) -> tuple[int, Any]:
        """``POST /oauth/token``: the code or the refresh token for a new pair (rotated)."""
        field = {name: (values or [""])[0] for name, values in form.items()}
        client_id, client_secret = field.get("client_id", ""), field.get("client_secret", "")
        if authorization and authorization.startswith("Basic "):  # or HTTP Basic, per RFC 6749
            decoded = base64.b64decode(authorization[6:] + "==").decode("utf-8", "replace")
            client_id, _, client_secret = decoded.partition(":")
        if (client_id, client_secret) != (self.oauth_client_id, self.oauth_client_secret):
            return 401, _oauth_error("invalid_client", "unknown client or wrong secret")
        grant = field.get("grant_type", "")
        with self._lock:
            if grant == "authorization_code":
                redirect_uri, expires = self.oauth.codes.pop(field.get("code", ""), ("", 0.0))
                if expires <= time.time() or redirect_uri != field.get("redirect_uri"):
                    return 400, _oauth_error("invalid_grant", "unknown, used or expired code")
            elif grant == "refresh_token":
                if self.oauth.refresh_tokens.pop(field.get("refresh_token", ""), None) is None:
                    return 400, _oauth_error("invalid_grant", "unknown or used refresh token")
                self.oauth.refreshes += 1
            else:
                return 400, _oauth_error("unsupported_grant_type", f"grant_type {grant!r}")
            access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            self.oauth.access_tokens[access] = time.time() + self.oauth_expires_in
            self.oauth.refresh_tokens[refresh] = access
        return 200, {
            "access_token": access,
            "expires_in": self.oauth_expires_in,
            "token_type": "Bearer",
            "refresh_token": refresh,
        }

    def validate(
        self, method: str, path: str, body: bytes, headers: Headers, content_type: str
    ) -> None:
        """The request against openapi.yaml with openapi-core: 400 in Light's format."""
        request = _Request(
            self._server_url,
            path,
            method.lower(),
            body,
            content_type,
            RequestParameters(header=headers, path={}),
        )
        try:
            _openapi().validate_request(request)
        except SecurityValidationError as exc:  # authenticated already: a spec/mock mismatch
            raise _Refusal(401, {"type": "UNAUTHORIZED", "message": str(exc)}) from exc
        except Exception as exc:  # openapi-core's request errors; mapped by what they carry
            status, answer = _validation_answer(exc)
            raise _Refusal(status, answer) from exc

    def check_fields(self, resource: str, request_schema: str, document: dict[str, Any]) -> None:
        """What the spec's request schema leaves open, Light does not: read-only fields, and
        values the resource could not hold (``1e2`` for an integer, null where it may not be)."""
        for name in sorted(read_only(resource, request_schema) & document.keys()):
            raise _Refusal(400, _error_body("BAD_REQUEST", "is read-only", [name]))
        problem = schema_problem(request_schema, document)
        if problem is not None:
            parts = [str(part) for part in problem.absolute_path]
            raise _Refusal(400, _error_body("BAD_REQUEST", problem.message, parts or None))
        properties = response_properties(_spec(), resource)
        for name, value in document.items():
            if value is None and name in properties and not is_nullable(properties[name]):
                raise _Refusal(400, _error_body("BAD_REQUEST", "must not be null", [name]))

    def update(
        self,
        method: str,
        path: str,
        kind: str,
        resource_id: str,
        body: dict[str, Any],
        key: str | None,
    ) -> tuple[int, bytes]:
        """Apply (or replay) an update: the status and body of the answer.

        A key is scoped to its method and path; used again with another body, or for another
        resource, it is answered 422 (Light's UNPROCESSABLE_CONTENT) and nothing is applied.
        """
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            if key is not None and key in self._idempotency:
                seen = self._idempotency[key]
                if seen[:3] != (method, path, fingerprint):
                    raise _Refusal(
                        422,
                        _error_body(
                            "UNPROCESSABLE_CONTENT",
                            "X-Idempotency-Key was already used with a different body or path",
                            ["X-Idempotency-Key"],
                        ),
                    )
                return seen[3], seen[4]
            status, answer = self._apply(kind, resource_id, body)
            if key is not None:
                self._idempotency[key] = (method, path, fingerprint, status, answer)
                if status == 200:
                    self.stats.applied[key] += 1
            return status, answer

    def retrieve(self, kind: str, resource_id: str) -> tuple[int, bytes]:
        found = self.store.get(kind, resource_id)
        if found is None:
            return 404, _error("NOT_FOUND", f"{kind} {resource_id} not found", None)
        return 200, json.dumps(found).encode()

    def _apply(self, kind: str, resource_id: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.store.get(kind, resource_id) is None:
            return 404, _error("NOT_FOUND", f"{kind} {resource_id} not found", None)
        properties = response_properties(_spec(), kind)
        update = {name: value for name, value in body.items() if name in properties}
        return 200, json.dumps(self.store.apply(kind, resource_id, update)).encode()

    def check_answer(self, kind: str, status: int, answer: bytes) -> tuple[int, bytes]:
        """A 200 must fit the response schema: if not, it is the mock's bug -- a loud 500."""
        if status != 200:
            return status, answer
        problem = schema_problem(kind, json.loads(answer))
        if problem is None:
            return status, answer
        where = json_path(problem.absolute_path) or "body"
        logger.error(
            "Light mock bug: its %s answer breaks openapi.yaml at %s: %s",
            kind,
            where,
            problem.message,
        )
        message = f"the mock's answer broke the spec at {where}: {problem.message}"
        return 500, _error("INTERNAL_SERVER_ERROR", message, None)


def _error_body(
    error_type: str, message: str, path: list[str] | None, context: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An error in Light's format (``name``, ``type``, ``errors[]`` with ``path``)."""
    detail = {"type": error_type, "message": message, "path": path, "context": context}
    return {
        "name": error_type.title().replace("_", ""),
        "type": error_type,
        "message": message,
        "errors": [detail],
    }


def _error(error_type: str, message: str, path: list[str] | None) -> bytes:
    return json.dumps(_error_body(error_type, message, path)).encode()


def _validation_answer(exc: Exception) -> tuple[int, dict[str, Any]]:
    """openapi-core's verdict as Light would answer it: a 400 naming the field when it can."""
    cause = exc.__cause__
    parameter = getattr(exc, "name", None)  # set when a parameter (e.g. the path id) is wrong
    where = [parameter] if isinstance(parameter, str) else None
    problem = best_match(getattr(cause, "schema_errors", None) or [])
    if problem is None:  # not even JSON, or no detail from the validator
        return 400, _error_body("BAD_REQUEST", str(cause or exc), where)
    path = [str(part) for part in problem.absolute_path] or where
    context = {"location": {"jsonPath": json_path(path)}} if path else None
    return 400, _error_body("BAD_REQUEST", problem.message, path, context)


def _content_length(value: str | None) -> int:
    """The declared body size: 400 if it is not a number, 413 if it is over the limit."""
    if value is None:
        return 0
    if not value.strip().isdigit():
        raise _Refusal(400, _error_body("BAD_REQUEST", "Content-Length is not a number", None))
    length = int(value)
    if length > MAX_BODY_BYTES:
        raise _Refusal(
            413, _error_body("PAYLOAD_TOO_LARGE", f"bodies over {MAX_BODY_BYTES} bytes", None)
        )
    return length


def _handler_for(mock: LightMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LightMock/1"
        timeout = IDLE_TIMEOUT_SECONDS  # an idle keep-alive connection is closed after this

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demo print
            pass

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the client hung up or went quiet

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # every method, declared in the spec or not
                return lambda: self._dispatch(name.removeprefix("do_"))
            raise AttributeError(name)

        def _dispatch(self, method: str) -> None:
            limit_headers: dict[str, str] = {}
            try:
                status, answer, extra = self._pipeline(method, limit_headers)
            except _Refusal as refusal:
                status, answer, extra = refusal.status, refusal.body, refusal.headers
            if status is None:  # the fault "dropped": applied, and no answer at all
                self.close_connection = True
                self.connection.close()
                return
            self._answer(status, answer, {**limit_headers, **extra}, method)

        def _pipeline(
            self, method: str, limit_headers: dict[str, str]
        ) -> tuple[int | None, bytes | dict[str, Any], dict[str, str]]:
            try:
                length = _content_length(self.headers.get("Content-Length"))
            except _Refusal:
                self.close_connection = True  # the body cannot be skipped: end the connection
                raise
            body = self.rfile.read(length)
            mock.count(request=True)
            if mock.faults.latency:
                time.sleep(mock.faults.latency)
            over, limits = mock.rate_limit_headers()
            limit_headers.update(limits)
            if over:
                raise _Refusal(429, {"type": "TOO_MANY_REQUESTS", "message": "rate limit exceeded"})
            path = self.path.split("?", 1)[0]
            if mock.faults.redirect and not path.startswith(REDIRECT_PREFIX):
                return mock.faults.redirect, b"", {"Location": REDIRECT_PREFIX + self.path}
            path = path.removeprefix(REDIRECT_PREFIX)
            if path == "/oauth/authorize" and method == "GET":
                return mock.authorize(parse_qs(self.path.partition("?")[2]))
            if path == "/oauth/token" and method == "POST":
                form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                status, token = mock.token(form, self.headers.get("Authorization"))
                return status, token, {"Cache-Control": "no-store"}
            route, resource_id, method = mock.route(method, path)
            if mock.draw(mock.faults.server_errors):
                raise _Refusal(503, {"message": "injected server error"})
            mock.authenticate(self.headers.get("Authorization"))
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refusal(
                    400, _error_body("BAD_REQUEST", "the body is not valid UTF-8", None)
                ) from exc
            headers = Headers(list(self.headers.items()))
            mock.validate(method, path, body, headers, self.headers.get("Content-Type", ""))
            kind, request_schema = route.operations[method]
            key = self.headers.get("X-Idempotency-Key")
            if key is not None and not key.strip():
                raise _Refusal(
                    400, _error_body("BAD_REQUEST", "must not be empty", ["X-Idempotency-Key"])
                )
            if request_schema is None:
                status, answer = mock.retrieve(kind, resource_id)
            else:
                document = json.loads(text)
                mock.check_fields(kind, request_schema, document)
                status, answer = mock.update(method, path, kind, resource_id, document, key)
            status, answer = mock.check_answer(kind, status, answer)
            if mock.draw(mock.faults.dropped):
                return None, b"", {}  # applied, but the answer is lost: only the key helps
            return status, answer, {}

        def _answer(
            self, status: int, body: bytes | dict[str, Any], headers: dict[str, str], method: str
        ) -> None:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            mock.count(status=status)
            self.send_response(status)
            if content:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(content)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(content)

    return Handler
