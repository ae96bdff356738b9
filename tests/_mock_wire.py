"""Helpers for the mock's tests over raw HTTP: exact bytes out, status, headers and body back."""

from __future__ import annotations

import json
import socket
from typing import Any

from light_client.mock import LightMock


def address(mock: LightMock) -> tuple[str, int]:
    host, port = mock.base_url.removeprefix("http://").split(":")
    return host, int(port)


def read_answer(conn: socket.socket, *, head_only: bool = False) -> tuple[int, dict[str, str], Any]:
    """One answer from ``conn``: its status, headers and JSON body (None when empty)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    expected = 0 if head_only else int(headers.get("Content-Length", "0"))
    while len(body) < expected:
        body += conn.recv(65536)
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def raw(mock: LightMock, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Send bytes as they are on a new connection; the answer."""
    with socket.create_connection(address(mock), timeout=5) as conn:
        conn.sendall(request)
        return read_answer(conn, head_only=request.startswith(b"HEAD "))


def light_error(
    error_type: str,
    message: str,
    path: list[str] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An error body in Light's format, as the tests expect it."""
    detail = {"type": error_type, "message": message, "path": path, "context": context}
    name = error_type.title().replace("_", "")
    return {"name": name, "type": error_type, "message": message, "errors": [detail]}
