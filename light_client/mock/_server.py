"""A local HTTP server that behaves like Light for the operations in openapi.yaml.

Every request goes through one pipeline, as in Prism and stripe-mock: frame the body (bounded;
``_http``) -> rate limit -> route (taken from the spec) -> authenticate -> validate the request
(the spec, then Light's rules the spec cannot state) -> idempotency replay -> the operation's
state handler -> validate the answer against the spec's response schema. A malformed request of
any kind gets an answer in Light's error format; an answer that breaks the spec, or any other
failure of the mock, is the mock's own bug: a 500 in Light's format and a loud log line.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import pickle
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

from openapi_core import datatypes  # the extra's first import: names openapi_core if missing
from openapi_core.validation.request.exceptions import (
    ParameterValidationError,
    RequestBodyValidationError,
    RequestValidationError,
    SecurityValidationError,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .._runtime import schemas
from .._runtime.validation import json_path, schema_problem
from . import _listing as listing
from ._children import Links, add_item, change_item
from ._http import (
    BODY_TIMEOUT_SECONDS,
    HEAD_TIMEOUT_SECONDS,
    IDLE_TIMEOUT_SECONDS,
    JSON_MEDIA_TYPE,
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    POLL_INTERVAL_SECONDS,
    Answer,
    BoundedServer,
    Refusal,
    error_body,
    handler_for,
    not_found,
)
from ._oauth_endpoints import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_METHODS,
    OAuthState,
    authorize,
    oauth_answer_problem,
    token,
)
from ._routes import Operation, camel, parsed_openapi, read_only, routes
from ._seed import DEFAULT_SEED, Seed, seeded_records
from ._store import Store, response_properties

__all__ = [
    "DEFAULT_API_KEY",
    "MAX_BODY_BYTES",
    "Faults",
    "LightMock",
    "RateLimit",
    "Seed",
    "routes",
]

DEFAULT_API_KEY = "sk_mock_light_0000000000000000"
REDIRECT_PREFIX = "/moved"

logger = logging.getLogger("light_client.mock")


# The status an operation leaves its resource in, by its verb ("unarchive": back to a draft, the
# mock's assumption), and the status it must find the resource in (else a 400).
STATUS_AFTER = {
    "archive": "ARCHIVED",
    "activate": "ACTIVE",
    "unarchive": "DRAFT",
    "post": "POSTED",  # post, and post-and-send-email (the e-mail is not sent anywhere)
}
# Operations on a resource's link to a document the mock does not hold.
LINKS = frozenset({"link", "unlink"})
STATUS_BEFORE = {"unarchive": "ARCHIVED"}


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


def mock_bug(message: str, *args: Any) -> Refusal:
    """The mock broke its own contract: logged at ERROR, answered 500 in Light's format."""
    logger.error("Light mock bug: " + message, *args)
    text = "the Light mock failed (its bug, not yours): " + message % args
    return Refusal(500, error_body("INTERNAL_SERVER_ERROR", text))


class LightMock:
    """Light on loopback. Use as a context manager, or ``start()`` / ``stop()``::

        with LightMock() as light_mock:
            client = LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url)

    ``port=0`` picks a free port. ``seed``: the records it starts with (a ``Seed``: many
    generated ones, or your own; by default two customers and a credit with fixed ids). State
    lives in ``store``; ``stats`` counts what happened; ``reset()`` puts everything back as it
    was constructed, the seeded records included (for a mock shared by many tests).

    Slow clients: ``idle_timeout`` (seconds, default 30) closes a connection that sends nothing
    for that long, between requests or within one. However often its bytes trickle in, a
    request's head (request line and headers) must arrive within ``head_timeout`` (default 10)
    of its first byte, and its body within ``body_timeout`` (default 30) of the head: else it is
    answered 408 (``REQUEST_TIMEOUT``) and the connection closed. At most ``max_connections``
    (default 128) are open at once, a thread each: at the cap, a new client closes the
    connection that has waited longest for its next request (idle, or still sending it; nothing
    of it was applied), and waits to be accepted only while every one is being answered.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        rate_limit: RateLimit | None = None,
        faults: Faults | None = None,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        head_timeout: float = HEAD_TIMEOUT_SECONDS,
        body_timeout: float = BODY_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
        seed: Seed | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the Light mock listens on loopback only")
        _check_limits(
            max_connections,
            idle_timeout=idle_timeout,
            head_timeout=head_timeout,
            body_timeout=body_timeout,
        )
        if seed is not None and not isinstance(seed, Seed):
            raise TypeError(f"seed must be a light_client.mock.Seed, got {seed!r}")
        self.api_key = api_key
        self.seed = seed or DEFAULT_SEED
        records = seeded_records(self.seed)
        # What reset() restores, as bytes: a copy of plain data in a fraction of deepcopy's time
        # (10,000 customers: about 25 ms), and nothing a test changes in place reaches it.
        self._seeded = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
        self._first_ids = {kind: next(iter(found), None) for kind, found in records.items()}
        # OAuth 2.0 (``/oauth/authorize``, ``/oauth/token``): one registered integration.
        self.oauth_client_id = OAUTH_CLIENT_ID
        self.oauth_client_secret = OAUTH_CLIENT_SECRET
        self._configured = (rate_limit or RateLimit(), faults or Faults())
        self._server_url = schemas.document()["servers"][0]["url"]
        self._lock = threading.RLock()  # one lock: the store, the counters, keys and tokens
        self.reset()
        handler = handler_for(
            self, idle_timeout=idle_timeout, head_timeout=head_timeout, body_timeout=body_timeout
        )
        self._httpd = BoundedServer((host, port), handler, max_connections=max_connections)
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Back to how it was constructed: the seeded data, the rate limit and faults it was
        given, a token lifetime of 3600 s, no requests counted, no keys or tokens known."""
        with self._lock:
            self.rate_limit, self.faults = copy.deepcopy(self._configured)
            self.oauth_expires_in = 3600  # seconds an access token lives; lower it to test expiry
            self.store = Store(pickle.loads(self._seeded), self._lock)
            self.stats = Stats()
            self.oauth = OAuthState()
            self._random = random.Random(self.faults.seed)
            self._window_start = time.time()
            self._window_count = 0
            # key -> (method, path, body fingerprint, status, answer) of its first request
            self._idempotency: dict[str, tuple[str, str, str, int, bytes]] = {}
            self.links = Links()  # a credit's links to invoice receivables (not held here)

    @property
    def customer_id(self) -> str:
        """The id of the first customer seeded (``5f0c6a8e-...-7f2d9a3b6c01`` by default)."""
        return self._first_id("Customer")

    @property
    def customer_credit_id(self) -> str:
        """The id of the first customer credit seeded (``c81d4e2f-...-0a2b3c4d5e03`` by default)."""
        return self._first_id("CustomerCredit")

    def _first_id(self, kind: str) -> str:
        found = self._first_ids.get(kind)
        if found is None:
            raise LookupError(f"this Light mock was seeded with no {kind} (see its seed)")
        return found

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
        """Stop serving and end every open connection (about 10 ms)."""
        self._httpd.close_connections()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        self._httpd.close_connections()  # any accepted while stopping

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the pipeline -----------------------------------------------------------------------

    def serve(self, method: str, target: str, headers: Message, body: bytes) -> Answer:
        """One request, through every stage; never raises."""
        self.count(request=True)
        path = target.partition("?")[0].removeprefix(REDIRECT_PREFIX)
        limit_headers: dict[str, str] = {}
        oauth = path in OAUTH_METHODS  # answers in OAuth's format, not Light's
        try:
            answer = self._pipeline(method, target, headers, body, limit_headers)
        except Refusal as refusal:  # every refusal is in Light's format
            answer, oauth = refusal.answer(), False
        except Exception:
            logger.exception("Light mock bug: %s %s raised", method, path)
            answer = mock_bug("%s %s raised an exception (logged)", method, path).answer()
            oauth = False
        answer = self.check_answer(method, path, answer, oauth=oauth)
        return answer._replace(headers={**limit_headers, **answer.headers})

    def _pipeline(
        self,
        method: str,
        target: str,
        headers: Message,
        body: bytes,
        limit_headers: dict[str, str],
    ) -> Answer:
        if self.faults.latency:
            time.sleep(self.faults.latency)
        over, limits = self.rate_limit_headers()
        limit_headers.update(limits)
        if over:
            raise Refusal(429, {"type": "TOO_MANY_REQUESTS", "message": "rate limit exceeded"})
        path, _, query = target.partition("?")
        if self.faults.redirect and not path.startswith(REDIRECT_PREFIX):
            return Answer(self.faults.redirect, b"", {"Location": REDIRECT_PREFIX + target})
        path = path.removeprefix(REDIRECT_PREFIX)
        if path in OAUTH_METHODS:
            return self.oauth_endpoint(method, path, query, headers, body)
        parameters, operation = self.route(method, path)
        if self.draw(self.faults.server_errors):
            raise Refusal(503, error_body("SERVICE_UNAVAILABLE", "injected server error"))
        self.authenticate(headers.get("Authorization"))
        document = _json_document(body)
        if document is None and operation.request is not None:
            document = {}  # a body the spec does not require, left out: no fields
        self.validate(method, path, body, headers, query)
        key = headers.get("X-Idempotency-Key")
        if key is not None and not key.strip():
            raise Refusal.bad_request("must not be empty", ["X-Idempotency-Key"])
        ids = list(parameters.values())
        resource_id = ids[-1] if ids else ""
        if operation.request is not None:
            self.check_fields(operation.resource, operation.request, document)
        if operation.parent is not None and (operation.collection or operation.verb in LINKS):
            answer = self.held(operation, method, path, ids, document or {}, key)
        else:
            answer = self.handle(operation, method, path, query, resource_id, document, key)
        if self.draw(self.faults.dropped):
            return Answer(None, b"", {})  # applied, but the answer is lost: only the key helps
        return answer

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

    def route(self, method: str, path: str) -> tuple[dict[str, str], Operation]:
        """The path parameters and operation: 404, or 405 with ``Allow``, if none."""
        for route in routes():
            if match := route.pattern.match(path):
                if method not in route.operations:
                    raise _method_not_allowed(method, sorted(route.operations))
                return match.groupdict(), route.operations[method]
        raise Refusal(404, {"type": "NOT_FOUND", "message": f"no route {path}"})

    def authenticate(self, authorization: str | None) -> None:
        """The API key (Basic or Bearer), or an access token the OAuth endpoints issued."""
        if authorization in (f"Basic {self.api_key}", f"Bearer {self.api_key}"):
            return
        scheme, _, credential = (authorization or "").partition(" ")
        with self._lock:
            expires = self.oauth.access_tokens.get(credential) if scheme == "Bearer" else None
        if expires is None or expires <= time.time():
            raise Refusal(401, {"type": "UNAUTHORIZED", "message": "invalid API key or token"})

    def oauth_endpoint(
        self, method: str, path: str, query: str, headers: Message, body: bytes
    ) -> Answer:
        """``/oauth/authorize`` and ``/oauth/token`` (outside openapi.yaml: not SDK operations)."""
        if method != OAUTH_METHODS[path]:
            raise _method_not_allowed(method, [OAUTH_METHODS[path]])
        with self._lock:
            if path == "/oauth/authorize":
                return authorize(self.oauth, self.oauth_client_id, query)
            client = (self.oauth_client_id, self.oauth_client_secret)
            return token(self.oauth, client, self.oauth_expires_in, headers, body)

    def validate(
        self, method: str, path: str, body: bytes, headers: Message, query: str = ""
    ) -> None:
        """The request against openapi.yaml with openapi-core: 400 in Light's format."""
        request = _Request(
            self._server_url,
            path,
            method.lower(),
            body,
            _media_type(headers.get("Content-Type", "")),
            datatypes.RequestParameters(
                query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
                header=Headers(list(headers.items())),
                path={},
            ),
        )
        try:
            parsed_openapi().validate_request(request)
        except SecurityValidationError as exc:  # authenticated already: a spec/mock mismatch
            raise Refusal(401, {"type": "UNAUTHORIZED", "message": str(exc)}) from exc
        except RequestValidationError as exc:  # the body or a parameter; anything else is a bug
            raise Refusal(400, _validation_answer(exc)) from exc

    def check_fields(self, resource: str, request_schema: str, document: dict[str, Any]) -> None:
        """What the spec's request schema leaves open, Light does not: read-only fields, and
        numbers written with a fraction (``1e2``, ``2.0``) for an integer. Null is the spec's to
        allow (openapi.yaml says where a request may send it)."""
        for name in sorted(read_only(resource, request_schema) & document.keys()):
            raise Refusal.bad_request("is read-only", [name])
        problem = schema_problem(request_schema, document)
        if problem is not None:
            parts = [str(part) for part in problem.path]
            raise Refusal.bad_request(problem.message, parts or None)

    def handle(
        self,
        operation: Operation,
        method: str,
        path: str,
        query: str,
        resource_id: str,
        body: Any,
        key: str | None,
    ) -> Answer:
        """What the operation does to the store, by its verb (the SDK's method name)."""
        kind, verb = operation.resource, operation.verb
        if verb == "get":
            return self.retrieve(kind, resource_id)
        if verb == "list" and operation.records is not None:
            with self._lock:
                records = list(self.store.resources.get(operation.records, {}).values())
                return Answer(200, json.dumps(listing.page(records, query)).encode(), {})
        if verb == "create":
            return self.keyed(method, path, body, key, lambda: self._create(kind, body))
        if verb == "update":
            return self.keyed(method, path, body, key, lambda: self._apply(kind, resource_id, body))
        if verb in STATUS_AFTER:
            found = self.store.get(kind, resource_id)
            if found is not None and found.get("status") != STATUS_BEFORE.get(
                verb, found["status"]
            ):
                raise Refusal.bad_request(f"is not {STATUS_BEFORE[verb]}", ["status"])
            change = {"status": STATUS_AFTER[verb]}
            return self.keyed(method, path, {}, key, lambda: self._apply(kind, resource_id, change))
        if verb == "submit":  # to an e-invoicing network: nothing to change here
            if self.store.get(kind, resource_id) is None:
                return Answer(404, not_found(kind, resource_id), {})
            return Answer(200, b"", {})
        raise mock_bug("no state handler for a %s operation (%s %s)", verb, method, path)

    def held(
        self,
        operation: Operation,
        method: str,
        path: str,
        ids: list[str],
        body: dict[str, Any],
        key: str | None,
    ) -> Answer:
        """An operation on what a resource holds: an item of its collection (create, update,
        delete) or its link to another document (link, unlink). ``ids``: the path's, in order."""
        parent, segment, verb = operation.parent, operation.segment, operation.verb
        assert parent is not None and segment is not None
        if verb in LINKS:
            return self.keyed(
                method,
                path,
                body,
                key,
                lambda: (
                    self.links.link(self.store, parent, ids[0], segment, ids[-1], body)
                    if verb == "link"
                    else self.links.unlink(self.store, parent, ids[0], ids[-1])
                ),
            )
        collection, kind = camel(segment), operation.resource

        def apply() -> tuple[int, bytes]:
            with self._lock:
                if verb == "create":
                    outcome, changed = add_item(self.store, parent, ids[0], collection, kind, body)
                elif verb in ("update", "delete"):
                    update = body if verb == "update" else None
                    outcome, changed = change_item(
                        self.store, parent, ids[0], collection, kind, ids[-1], update
                    )
                else:
                    raise mock_bug(
                        "no state handler for a %s of %s (%s %s)", verb, kind, method, path
                    )
                if changed is not None:  # the parent is checked whole before it is stored
                    self._stored(parent, changed)
                return outcome

        return self.keyed(method, path, body, key, apply)

    def keyed(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        key: str | None,
        apply: Callable[[], tuple[int, bytes]],
    ) -> Answer:
        """Apply (or replay) a change; the stored resource always fits the response schema.

        A key belongs to its method, path and body; used again with another body, or for another
        resource, it is answered 422 (Light's UNPROCESSABLE_CONTENT) and nothing is applied.
        """
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            if key is not None and key in self._idempotency:
                seen = self._idempotency[key]
                if seen[:3] != (method, path, fingerprint):
                    raise Refusal(
                        422,
                        error_body(
                            "UNPROCESSABLE_CONTENT",
                            "X-Idempotency-Key was already used with a different body or path",
                            ["X-Idempotency-Key"],
                        ),
                    )
                return Answer(seen[3], seen[4], {})
            status, answer = apply()
            if key is not None:
                self._idempotency[key] = (method, path, fingerprint, status, answer)
                if status == 200:
                    self.stats.applied[key] += 1
            return Answer(status, answer, {})

    def _create(self, kind: str, body: dict[str, Any]) -> tuple[int, bytes]:
        resource = self.store.created(kind, str(uuid.uuid4()))
        properties = response_properties(schemas.document(), kind)
        update = {name: value for name, value in body.items() if name in properties}
        return self._stored(kind, self.store.changed(resource, update))

    def _apply(self, kind: str, resource_id: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.store.get(kind, resource_id) is None:
            return 404, not_found(kind, resource_id)
        properties = response_properties(schemas.document(), kind)
        update = {name: value for name, value in body.items() if name in properties}
        return self._stored(kind, self.store.updated(kind, resource_id, update))

    def _stored(self, kind: str, candidate: dict[str, Any]) -> tuple[int, bytes]:
        resource_id = candidate["id"]
        problem = schema_problem(kind, candidate)
        if problem is not None:  # not stored: the store only ever holds what Light could send
            where = problem.where or "body"
            raise mock_bug(
                "%s %s would break openapi.yaml at %s: %s",
                kind,
                resource_id,
                where,
                problem.message,
            )
        self.store.put(kind, candidate)
        return 200, json.dumps(candidate).encode()

    def retrieve(self, kind: str, resource_id: str) -> Answer:
        found = self.store.get(kind, resource_id)
        if found is None:
            return Answer(404, not_found(kind, resource_id), {})
        return Answer(200, json.dumps(found).encode(), {})

    def check_answer(
        self, method: str, path: str, answer: Answer, *, oauth: bool = False
    ) -> Answer:
        """The last stage: the answer against the schema the spec gives it for its status (an
        answer outside the spec's operations: Light's error schema; ``oauth``: the token
        endpoint's documented answer or RFC 6749's error). One that breaks it is the mock's
        bug: a loud 500 instead."""
        if answer.status is None or not answer.body:
            return answer
        document = json.loads(answer.body) if isinstance(answer.body, bytes) else answer.body
        if oauth:
            message = oauth_answer_problem(path, answer)
            schema = "the OAuth token answer"
        else:
            schema = self._answer_schema(method, path, answer.status)
            problem = schema_problem(schema, document)
            message = None
            if problem is not None:
                message = f"{problem.where or 'body'}: {problem.message}"
        if message is None:
            return answer
        return mock_bug(
            "its %s answer %d breaks %s at %s", method, answer.status, schema, message
        ).answer()

    @staticmethod
    def _answer_schema(method: str, path: str, status: int) -> str:
        for route in routes():
            if route.pattern.match(path) and method in route.operations:
                return route.operations[method].answer_schema(status) or "Error"
        return "Error"


@dataclass
class _Request:
    """The request as openapi-core's validator wants to see it."""

    host_url: str
    path: str
    method: str
    body: bytes
    content_type: str
    parameters: datatypes.RequestParameters


def _check_limits(max_connections: int, **timeouts: float) -> None:
    """Each timeout a positive, finite number of seconds (0 would make a read non-blocking, and
    none may be infinite), and the connection cap a positive int."""
    for name, seconds in timeouts.items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"{name} must be a number of seconds, got {seconds!r}")
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError(
                f"{name} must be a positive, finite number of seconds, got {seconds!r}"
            )
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise TypeError(f"max_connections must be an int, got {max_connections!r}")
    if max_connections < 1:
        raise ValueError(f"max_connections must be at least 1, got {max_connections}")


def _json_document(body: bytes) -> Any:
    """The body as JSON, strictly: UTF-8, and no NaN or Infinity (not JSON, though Python
    reads them); None if empty. What it must hold is the spec's to say (``validate``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal.bad_request("the body is not valid UTF-8") from exc
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError as exc:  # JSONDecodeError, or a number too long to convert
        raise Refusal.bad_request(f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise Refusal.bad_request("the body is nested too deep") from exc


def _media_type(content_type: str) -> str:
    """``application/json`` as the spec spells it (``;charset=UTF-8``) when it means the same:
    Light takes JSON with or without the charset, openapi-core only the spelling it was given."""
    media_type, _, parameters = content_type.partition(";")
    charset = parameters.strip().lower().removeprefix("charset=").strip('"')
    if media_type.strip().lower() == "application/json" and charset in ("", "utf-8"):
        return JSON_MEDIA_TYPE
    return content_type


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _method_not_allowed(method: str, allowed: list[str]) -> Refusal:
    body = error_body("METHOD_NOT_ALLOWED", f"{method} is not allowed here")
    return Refusal(405, body, {"Allow": ", ".join(allowed)})


def _validation_answer(exc: RequestValidationError) -> dict[str, Any]:
    """openapi-core's verdict as Light would answer it: a 400 naming the field when it can."""
    from jsonschema.exceptions import best_match  # openapi-core's errors are jsonschema's

    where = [exc.name] if isinstance(exc, ParameterValidationError) else None
    cause = exc.__cause__
    problem = best_match(getattr(cause, "schema_errors", None) or [])
    if problem is None:  # not even JSON, a media type it does not take, or no detail
        detail = cause if isinstance(exc, RequestBodyValidationError) and cause else exc
        return error_body("BAD_REQUEST", str(detail), where)
    path = [str(part) for part in problem.absolute_path] or where
    context = {"location": {"jsonPath": json_path(path)}} if path else None
    return error_body("BAD_REQUEST", problem.message, path, context)
