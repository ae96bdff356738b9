"""What the benchmark scripts share: a free loopback port, a server process on it, and the
HTTP/1.1 keep-alive reading their servers do."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["KeepAlive", "background", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def background(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (a server listening on ``port``) until the block ends; wait for it first.
    The block gets the process."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


class KeepAlive(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, for a benchmark's server: reads each request's head and its
    Content-Length body, and hands them to ``reply``, which writes the answer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            lines = self.buffer[:head_end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            end = head_end + 4 + int(headers.get("content-length", 0))
            if len(self.buffer) < end:
                return
            body, self.buffer = self.buffer[head_end + 4 : end], self.buffer[end:]
            method, path = lines[0].split(" ")[:2]
            self.reply(method, path, headers, body)

    def reply(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        raise NotImplementedError
