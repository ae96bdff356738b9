"""The mock's HTTP layer: bounded connections, request framing, every answer in Light's format.

Nothing here knows the API. The handler frames one request (refusing what cannot be framed),
hands its method, target, headers and body to the mock's pipeline (a ``Service``), and writes
the answer. What the standard library refuses on its own (a bad request line, headers too long,
an HTTP version it does not speak) is answered in Light's format too, never as an HTML page.

Slow clients cannot hold the mock: a request's head and body each have a deadline, however
slowly their bytes trickle in (a 408, then the connection is closed), and at the connection cap
a new client closes the connection that has waited longest for its next request, so that a
real request is not left waiting behind idle or trickling connections.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import socket
import sys
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any, NamedTuple, Protocol

__all__ = [
    "BODY_TIMEOUT_SECONDS",
    "HEAD_TIMEOUT_SECONDS",
    "IDLE_TIMEOUT_SECONDS",
    "JSON_MEDIA_TYPE",
    "MAX_BODY_BYTES",
    "MAX_CONNECTIONS",
    "POLL_INTERVAL_SECONDS",
    "Answer",
    "BoundedServer",
    "Refusal",
    "Service",
    "error_body",
    "handler_for",
    "not_found",
    "read_body",
]

# Light's answers and requests are small: a larger body is refused (413) before it is read.
MAX_BODY_BYTES = 1024 * 1024
# An open connection that sends nothing for this long is closed (keep-alive clients reconnect).
IDLE_TIMEOUT_SECONDS = 30.0
# A request's head (request line and headers) must arrive within this long of its first byte,
# and its body within BODY_TIMEOUT_SECONDS of the head, however often bytes trickle in: the idle
# timeout is per read, and a byte every few seconds would otherwise hold a connection for ever.
HEAD_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 30.0
# At most this many connections are open at once (a thread each). At the cap, a new client
# closes the connection that has waited longest for its next request (idle, or still sending
# it); only while every one is being answered does it wait in the listen backlog.
MAX_CONNECTIONS = 128
# How often the accept loop looks for a stop request: stopping takes at most about this long.
POLL_INTERVAL_SECONDS = 0.01
JSON_MEDIA_TYPE = "application/json;charset=UTF-8"
_MAX_LINE = 65536
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# The standard library's own refusals, by the names Light gives errors, and the message for one
# the library sends without its own: RFC 9110's reason phrase, the same on every Python (the
# library's table renamed 414's "Request-URI Too Long" to "URI Too Long" in 3.13).
_LIBRARY_ERRORS = {
    400: ("BAD_REQUEST", "Bad Request"),
    414: ("URI_TOO_LONG", "URI Too Long"),
    431: ("REQUEST_HEADER_FIELDS_TOO_LARGE", "Request Header Fields Too Large"),
    505: ("HTTP_VERSION_NOT_SUPPORTED", "HTTP Version Not Supported"),
}


def error_body(
    error_type: str,
    message: str,
    path: list[str] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An error in Light's format (``name``, ``type``, ``message``, ``errors[]`` with ``path``)."""
    detail = {"type": error_type, "message": message, "path": path, "context": context}
    return {
        "name": error_type.title().replace("_", ""),
        "type": error_type,
        "message": message,
        "errors": [detail],
    }


def not_found(kind: str, resource_id: str) -> bytes:
    """Light's 404 for a resource (or a link) that is not there."""
    return json.dumps(error_body("NOT_FOUND", f"{kind} {resource_id} not found")).encode()


class Answer(NamedTuple):
    """What the mock answers. ``status`` None: close the connection without a word (a fault)."""

    status: int | None
    body: bytes | dict[str, Any]
    headers: dict[str, str]


class Refusal(Exception):
    """A request answered with an error, at whichever stage of the pipeline found it."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}

    @classmethod
    def bad_request(cls, message: str, path: list[str] | None = None) -> Refusal:
        return cls(400, error_body("BAD_REQUEST", message, path))

    def answer(self) -> Answer:
        return Answer(self.status, self.body, self.headers)


class Service(Protocol):
    """The mock's side of the handler: the pipeline, and a count of the answers sent."""

    def serve(self, method: str, target: str, headers: Message, body: bytes) -> Answer: ...

    def count(self, *, request: bool = False, status: int | None = None) -> None: ...


def read_body(rfile: BufferedIOBase, headers: Message) -> bytes:
    """The request's body, framed by ``Content-Length`` or chunked; ``Refusal`` when it cannot
    be framed (the connection must then be closed: where the next request starts is unknown)."""
    lengths = [value.strip() for value in headers.get_all("Content-Length") or []]
    encodings = headers.get_all("Transfer-Encoding") or []
    if encodings:
        if lengths:  # RFC 9112 6.3: both at once is how requests are smuggled
            raise Refusal.bad_request("Content-Length and Transfer-Encoding together")
        if [value.strip().lower() for value in encodings] != ["chunked"]:
            raise Refusal.bad_request("the only Transfer-Encoding accepted is chunked")
        return _read_chunked(rfile)
    if not lengths:
        return b""
    if len(set(lengths)) > 1:
        raise Refusal.bad_request("conflicting Content-Length headers")
    if not (lengths[0].isascii() and lengths[0].isdigit()):
        raise Refusal.bad_request("Content-Length is not a number")
    length = int(lengths[0])
    _check_size(length)
    body = rfile.read(length)
    if len(body) < length:
        raise Refusal.bad_request("the body ended before its Content-Length")
    return body


def _check_size(length: int) -> None:
    if length > MAX_BODY_BYTES:
        message = f"bodies over {MAX_BODY_BYTES} bytes"
        raise Refusal(413, error_body("PAYLOAD_TOO_LARGE", message))


def _read_chunked(rfile: BufferedIOBase) -> bytes:
    body = bytearray()
    while True:
        size_field = rfile.readline(_MAX_LINE).split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_field):
            raise Refusal.bad_request("a chunk size is not a hexadecimal number")
        size = int(size_field, 16)
        _check_size(len(body) + size)
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) < size or rfile.readline(_MAX_LINE).strip():
            raise Refusal.bad_request("a chunk is shorter or longer than its size")
        body += chunk
    for _ in range(100):  # trailer fields, ignored, up to the blank line
        if rfile.readline(_MAX_LINE).strip() == b"":
            return bytes(body)
    raise Refusal.bad_request("too many trailer fields")


class DeadlineExceeded(Exception):
    """A request's head or body did not arrive in time. Not a ``TimeoutError``: the standard
    library's handler takes those for a silent client and closes without a word."""


class Connection:
    """An open connection as the server sees it: since when it has waited for its next request
    (None while one is being answered), and whether it was closed to make room."""

    def __init__(self, sock: socket.socket, lock: threading.Lock) -> None:
        self.sock, self._lock = sock, lock
        self.waiting_since: float | None = time.monotonic()
        self.evicted = False

    def wait(self) -> None:
        """Waiting for the next request (or reading it): may be closed to make room."""
        with self._lock:
            self.waiting_since = time.monotonic()

    def claim(self) -> bool:
        """The request is read: answer it, never closed to make room. False if it was already."""
        with self._lock:
            self.waiting_since = None
            return not self.evicted


class _Reader(io.RawIOBase):
    """A connection's reads: each waits at most the idle timeout, and none past ``deadline``."""

    def __init__(self, connection: Connection, idle_timeout: float) -> None:
        super().__init__()
        self._connection, self._idle_timeout = connection, idle_timeout
        self.deadline: float | None = None  # time.monotonic() by which the bytes must be in

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout, by_deadline = self._idle_timeout, False
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded
            timeout, by_deadline = min(left, timeout), left <= timeout
        sock = self._connection.sock
        sock.settimeout(timeout)
        try:
            received = sock.recv_into(buffer)
        except TimeoutError:
            if by_deadline:
                raise DeadlineExceeded from None
            raise
        if self._connection.evicted:  # shut down to make room: no answer, no 400 for a half line
            raise ConnectionAbortedError("closed to make room for a new connection")
        return received


class BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` of them; ``close_connections()``
    ends them all at once (a stopped mock leaves no thread waiting on an idle client).

    At the cap, a new connection closes the open one that has waited longest for its next
    request (idle, or still sending it: none has been answered or applied), and takes its
    thread; only while every connection is being answered does the accept loop wait.
    """

    daemon_threads = True
    # socketserver's default backlog of 5 drops connects when a client opens dozens at once.
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int,
    ) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: dict[socket.socket, Connection] = {}
        self._open_lock = threading.Lock()
        self._closing = threading.Event()

    def process_request(self, request: Any, client_address: Any) -> None:
        # At the cap, this (the accept loop) makes room, or waits for a slot; it heeds a stop.
        acquired = self._slots.acquire(blocking=False)
        while not acquired and not self._closing.is_set():
            self._make_room()
            acquired = self._slots.acquire(timeout=POLL_INTERVAL_SECONDS)
        if acquired and not self._closing.is_set():
            with self._open_lock:
                self._open[request] = Connection(request, self._open_lock)
            try:
                super().process_request(request, client_address)
            except BaseException:
                self._forget(request)
                raise
            return
        if acquired:
            self._slots.release()
        self.shutdown_request(request)

    def _make_room(self) -> None:
        """Close the connection that has waited longest for its request, one at a time (its
        thread ends at once, and its slot is the new connection's)."""
        with self._open_lock:
            connections = self._open.values()
            if any(connection.evicted for connection in connections):
                return  # one is already on its way out
            waiting = [c for c in connections if c.waiting_since is not None]
            if not waiting:
                return  # every one is being answered: wait for a slot
            oldest = min(waiting, key=lambda connection: connection.waiting_since or 0.0)
            oldest.evicted = True
        with contextlib.suppress(OSError):
            oldest.sock.shutdown(socket.SHUT_RDWR)

    def connection(self, request: socket.socket) -> Connection:
        with self._open_lock:
            return self._open[request]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: socket.socket) -> None:
        with self._open_lock:
            self._open.pop(request, None)
        self._slots.release()

    def close_connections(self) -> None:
        """Serve no new connection, and end the open ones (their threads then finish)."""
        self._closing.set()
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (or goes quiet) mid-request is not the mock's error: no traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def handler_for(
    service: Service,
    *,
    idle_timeout: float,
    head_timeout: float,
    body_timeout: float,
) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``service``: a connection silent for ``idle_timeout``
    is closed; a request's head must arrive within ``head_timeout`` of its first byte and its
    body within ``body_timeout`` of the head, else a 408 and the connection is closed."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LightMock/1"
        timeout = idle_timeout  # an idle connection is closed after this (socket timeout)
        # The headers and the body leave in two writes: with Nagle's algorithm on, the second
        # waits for the client's delayed ACK, about 40 ms per answer on Linux loopback.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            server = self.server
            assert isinstance(server, BoundedServer)
            self._connection = server.connection(self.request)
            self._reader = _Reader(self._connection, idle_timeout)
            self._reading = "head"
            self.rfile.close()  # the socket's own file: replaced by reads that keep deadlines
            self.rfile = self._buffered = io.BufferedReader(self._reader)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demo print
            pass

        def handle_one_request(self) -> None:
            try:
                self._connection.wait()
                self._reading, self._reader.deadline = "head", None
                self._buffered.peek(1)  # the request's first byte (or the end), idle until then
                self._reader.deadline = time.monotonic() + head_timeout
                super().handle_one_request()
            except DeadlineExceeded:
                self._late()
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the client hung up or went quiet

        def _late(self) -> None:
            """The head or body missed its deadline: a 408 (nothing of an answer has been
            sent yet), and the connection is closed."""
            self.close_connection = True
            if self._reading == "head":  # what parse_request sets, if it got that far
                self.requestline, self.command = "", ""
                self.request_version = self.protocol_version
                message = f"the request's head did not arrive within {head_timeout:g} s"
            else:
                late = f"{body_timeout:g} s of its head"
                message = f"the request's body did not arrive within {late}"
            answer = Answer(408, error_body("REQUEST_TIMEOUT", message), {})
            with contextlib.suppress(OSError):  # gone already, or closed to make room
                self._answer(self.command, answer)

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # every method, declared in the spec or not
                return functools.partial(self._dispatch, name.removeprefix("do_"))
            raise AttributeError(name)

        def _dispatch(self, method: str) -> None:
            self._reading = "body"
            self._reader.deadline = time.monotonic() + body_timeout
            try:
                body = read_body(self.rfile, self.headers)
            except Refusal as refusal:
                self.close_connection = True
                self._answer(method, refusal.answer())
                return
            self._claim()  # from here it is answered: never closed to make room
            answer = service.serve(method, self.path, self.headers, body)
            if answer.status is None:  # the fault "dropped": no answer at all
                self.close_connection = True
                self.connection.close()
                return
            self._answer(method, answer)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            # The standard library's refusals, in Light's format instead of its HTML page.
            if self.request_version == self.default_request_version:  # not parsed that far
                self.request_version = self.protocol_version
            self.close_connection = True
            error_type, phrase = _LIBRARY_ERRORS.get(code, ("BAD_REQUEST", self.responses[code][0]))
            body = error_body(error_type, message or phrase)
            self._answer(getattr(self, "command", None) or "", Answer(code, body, {}))

        def _claim(self) -> None:
            if not self._connection.claim():
                raise ConnectionAbortedError("closed to make room for a new connection")

        def _answer(self, method: str, answer: Answer) -> None:
            assert answer.status is not None
            self._claim()
            self.connection.settimeout(idle_timeout)  # a read may have left a shorter one
            body = answer.body
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            service.count(status=answer.status)
            self.send_response(answer.status)
            if content:
                self.send_header("Content-Type", JSON_MEDIA_TYPE)
            self.send_header("Content-Length", str(len(content)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(content)

    return Handler
