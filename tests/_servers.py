"""Loopback servers for tests: an HTTP server that answers with whatever bytes a test writes
(hostile servers), and a TCP proxy that adds latency."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

Handler = Callable[[socket.socket, bytes], None]


def read_request(conn: socket.socket) -> bytes:
    """One request, head and body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


class _Listener:
    """A loopback listening socket whose connections are each handed to ``_accepted`` (on the
    accepting thread); threads started with ``_start`` are joined on exit."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []  # closed on exit, waking their readers
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._socket.getsockname()[1]
        return port

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted(conn)

    def _accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._socket.close()
        for each in self._sockets:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading it
            each.close()
        for thread in self._threads:
            thread.join(timeout=5)


class RawServer(_Listener):
    """Serves each connection on its own thread with ``handler(conn, request)``; loopback only."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[bytes] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accepted(self, conn: socket.socket) -> None:
        self._start(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                request = read_request(conn)
                if request:
                    self.requests.append(request)
                    self.handler(conn, request)
            except OSError:
                pass  # the client hung up: that is what these tests do


def http_answer(status: int, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class LatencyProxy(_Listener):
    """A TCP proxy on loopback that delays every chunk by ``delay`` seconds each way (a round
    trip costs ``2 * delay``), in order, without slowing throughput: a far-away Redis."""

    def __init__(self, target_port: int, delay: float) -> None:
        super().__init__()
        self.target_port, self.delay = target_port, delay

    def _accepted(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        self._sockets += [client, upstream]
        for source, sink in ((client, upstream), (upstream, client)):
            self._start(self._pump, source, sink)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Read from ``source``; each chunk goes to ``sink`` ``delay`` seconds after it came."""
        pending: list[tuple[float, bytes]] = []
        ready = threading.Condition()

        def deliver() -> None:
            while True:
                with ready:
                    while not pending:
                        ready.wait()
                    due, chunk = pending.pop(0)
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if not chunk:
                        sink.shutdown(socket.SHUT_WR)
                        return
                    sink.sendall(chunk)
                except OSError:
                    return

        self._start(deliver)
        while True:
            try:
                chunk = source.recv(65536)
            except OSError:
                chunk = b""
            with ready:
                pending.append((time.monotonic() + self.delay, chunk))
                ready.notify()
            if not chunk:
                return
