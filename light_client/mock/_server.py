"""A local HTTP server that behaves like Light for the two PATCH operations."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from jsonschema.exceptions import best_match
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers

from .._validation import _spec, json_path
from ._store import SEED_CREDIT_ID, SEED_CUSTOMER_ID, Store, is_nullable, response_properties

__all__ = ["Faults", "LightMock", "RateLimit"]

DEFAULT_API_KEY = "sk_mock_light_0000000000000000"
ROUTES = {
    re.compile(r"^/v1/customers/(?P<id>[^/]+)$"): "Customer",
    re.compile(r"^/v1/customer-credits/(?P<id>[^/]+)$"): "CustomerCredit",
}
REDIRECT_PREFIX = "/moved"


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


@dataclass
class _Request:
    """The request as openapi-core's validator wants to see it."""

    host_url: str
    path: str
    method: str
    body: bytes
    content_type: str
    parameters: RequestParameters


class LightMock:
    """Light on loopback. Use as a context manager, or ``start()`` / ``stop()``::

        with LightMock() as light_mock:
            client = LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url)

    ``port=0`` picks a free port. State lives in ``store``; ``stats`` counts what happened.
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
        self.store = Store()
        self.stats = Stats()
        self.customer_id = SEED_CUSTOMER_ID
        self.customer_credit_id = SEED_CREDIT_ID
        self._spec = _spec()
        self._openapi = OpenAPI.from_dict(self._spec)
        self._server_url = self._spec["servers"][0]["url"]
        self._random = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._window_start = time.time()
        self._window_count = 0
        self._idempotency: dict[tuple[str, str], tuple[str, int, bytes]] = {}
        self._httpd = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
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

    # -- the pieces of an answer ---------------------------------------------------------------

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

    def validation_problem(
        self, path: str, body: bytes, headers: Headers, content_type: str
    ) -> tuple[int, dict[str, Any]] | None:
        """Check the request against openapi.yaml with openapi-core: 400/401 in Light's format."""
        request = _Request(
            self._server_url,
            path,
            "patch",
            body,
            content_type,
            RequestParameters(header=headers, path={}),
        )
        try:
            self._openapi.validate_request(request)
        except Exception as exc:  # openapi-core's error classes are many; map by meaning
            return _validation_answer(exc)
        return None

    def authorized(self, authorization: str | None) -> bool:
        return authorization in (f"Basic {self.api_key}", f"Bearer {self.api_key}")

    def update(
        self, kind: str, resource_id: str, body: dict[str, Any], key: str | None
    ) -> tuple[int, bytes]:
        """Apply (or replay) an update: the status and body of the answer."""
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self.store.lock:
            if key is not None and (kind, key) in self._idempotency:
                seen_fingerprint, status, answer = self._idempotency[(kind, key)]
                if seen_fingerprint != fingerprint:
                    return 422, _error(
                        "UNPROCESSABLE_CONTENT",
                        "X-Idempotency-Key was already used with a different body",
                        ["X-Idempotency-Key"],
                    )
                return status, answer
            status, answer = self._apply(kind, resource_id, body)
            if key is not None:
                self._idempotency[(kind, key)] = (fingerprint, status, answer)
                if status == 200:
                    self.stats.applied[key] += 1
            return status, answer

    def _apply(self, kind: str, resource_id: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.store.get(kind, resource_id) is None:
            return 404, _error("NOT_FOUND", f"{kind} {resource_id} not found", None)
        properties = response_properties(self._spec, kind)
        for name, value in body.items():
            if value is None and name in properties and not is_nullable(properties[name]):
                return 400, _error("BAD_REQUEST", "must not be null", [name])
        update = {name: value for name, value in body.items() if name in properties}
        return 200, json.dumps(self.store.apply(kind, resource_id, update)).encode()


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
    """openapi-core's verdict as Light would answer: 401 without credentials, else 400."""
    if "Security" in type(exc).__name__:
        return 401, {"type": "UNAUTHORIZED", "message": "missing Authorization header"}
    cause = exc.__cause__
    parameter = getattr(exc, "name", None)  # set when a parameter (e.g. the path id) is wrong
    where = [parameter] if isinstance(parameter, str) else None
    problem = best_match(getattr(cause, "schema_errors", None) or [])
    if problem is None:  # not even JSON, or no detail from the validator
        return 400, _error_body("BAD_REQUEST", str(cause or exc), where)
    path = [str(part) for part in problem.absolute_path] or where
    context = {"location": {"jsonPath": json_path(path)}} if path else None
    return 400, _error_body("BAD_REQUEST", problem.message, path, context)


def _handler_for(mock: LightMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LightMock/1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demo print
            pass

        def do_PATCH(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            mock.count(request=True)
            if mock.faults.latency:
                time.sleep(mock.faults.latency)
            over, limit_headers = mock.rate_limit_headers()
            if over:
                return self._answer(
                    429,
                    {"type": "TOO_MANY_REQUESTS", "message": "rate limit exceeded"},
                    limit_headers,
                )
            path = self.path.split("?", 1)[0]
            if mock.faults.redirect and not path.startswith(REDIRECT_PREFIX):
                return self._answer(
                    mock.faults.redirect,
                    b"",
                    {**limit_headers, "Location": REDIRECT_PREFIX + self.path},
                )
            path = path.removeprefix(REDIRECT_PREFIX)
            route = next(
                ((kind, m["id"]) for pattern, kind in ROUTES.items() if (m := pattern.match(path))),
                None,
            )
            if route is None:
                return self._answer(
                    404, {"type": "NOT_FOUND", "message": f"no route {path}"}, limit_headers
                )
            if mock.draw(mock.faults.server_errors):
                return self._answer(503, {"message": "injected server error"}, limit_headers)
            headers = Headers(list(self.headers.items()))
            content_type = self.headers.get("Content-Type", "")
            problem = mock.validation_problem(path, body, headers, content_type)
            if problem is not None:
                return self._answer(problem[0], problem[1], limit_headers)
            if not mock.authorized(self.headers.get("Authorization")):
                return self._answer(
                    401,
                    {"type": "UNAUTHORIZED", "message": "invalid API key or token"},
                    limit_headers,
                )
            kind, resource_id = route
            status, answer = mock.update(
                kind, resource_id, json.loads(body), self.headers.get("X-Idempotency-Key")
            )
            if mock.draw(mock.faults.dropped):
                # Applied, but the answer is lost: only the idempotency key makes a retry safe.
                self.close_connection = True
                self.connection.close()
                return None
            return self._answer(status, answer, limit_headers)

        def do_GET(self) -> None:
            self._answer(405, {"type": "BAD_REQUEST", "message": "the mock serves PATCH only"}, {})

        do_POST = do_PUT = do_DELETE = do_GET

        def _answer(
            self, status: int, body: bytes | dict[str, Any], headers: dict[str, str]
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
            self.wfile.write(content)

    return Handler
