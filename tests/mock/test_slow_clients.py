"""Slow clients against the mock over raw sockets: a request's head and body have deadlines
however often their bytes trickle in, and idle keep-alive connections keep the idle timeout
(issue 26, item 15).

Timings are bounded generously (a loaded two-core machine), never asserted exactly."""

from __future__ import annotations

import contextlib
import math
import select
import socket
import time
from typing import Any

import pytest

from light_client.mock import LightMock
from tests._mock_wire import address, light_error, read_answer

GET = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
# A request head that never ends, sent a byte at a time by a slow client.
SLOW_HEAD = b"GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200


def until_closed(conn: socket.socket) -> bytes:
    """Everything ``conn`` receives until the server closes it (its socket timeout: not closed)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := conn.recv(65536):
            data += chunk
    return data


def test_a_head_trickling_past_its_deadline_is_cut_off() -> None:
    head_timeout = 1.0
    with (
        LightMock(head_timeout=head_timeout) as mock,
        socket.create_connection(address(mock), timeout=5) as conn,
    ):
        started = time.monotonic()
        for index in range(len(SLOW_HEAD)):  # a byte every 0.3 s (the idle timeout: 30 s)
            if select.select([conn], [], [], 0.3)[0]:
                break
            conn.sendall(SLOW_HEAD[index : index + 1])
        status, headers, answer = read_answer(conn)
        cut_off_in = time.monotonic() - started
        assert until_closed(conn) == b""
    assert (status, headers["Connection"]) == (408, "close")
    message = f"the request's head did not arrive within {head_timeout:g} s"
    assert answer == light_error("REQUEST_TIMEOUT", message)
    assert head_timeout - 0.2 < cut_off_in < head_timeout + 2.0, cut_off_in
    assert (mock.stats.requests, mock.stats.statuses) == (0, {408: 1})


def test_a_body_trickling_past_its_deadline_is_cut_off() -> None:
    body_timeout = 1.0
    with (
        LightMock(body_timeout=body_timeout) as mock,
        socket.create_connection(address(mock), timeout=5) as conn,
    ):
        conn.sendall(
            f"PATCH /v1/customers/{mock.customer_id} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Basic {mock.api_key}\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{".encode()
        )
        started = time.monotonic()
        while not select.select([conn], [], [], 0.3)[0]:  # a byte every 0.3 s until answered
            assert time.monotonic() - started < 5, "the body was never cut off"
            conn.sendall(b" ")
        status, headers, answer = read_answer(conn)
        cut_off_in = time.monotonic() - started
        assert until_closed(conn) == b""
    assert (status, headers["Connection"]) == (408, "close")
    message = f"the request's body did not arrive within {body_timeout:g} s of its head"
    assert answer == light_error("REQUEST_TIMEOUT", message)
    assert body_timeout - 0.2 < cut_off_in < body_timeout + 2.0, cut_off_in
    assert (mock.stats.requests, mock.stats.statuses) == (0, {408: 1})  # never served


def test_a_head_and_body_in_pieces_within_their_deadlines_are_served() -> None:
    body = b'{"name": "In pieces"}'
    with LightMock(head_timeout=1.0, body_timeout=1.0) as mock:
        head = (
            f"PATCH /v1/customers/{mock.customer_id} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Basic {mock.api_key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(address(mock), timeout=5) as conn:
            for piece in (head[:20], head[20:], body[:5], body[5:]):
                conn.sendall(piece)
                time.sleep(0.1)
            status, _, answer = read_answer(conn)
    assert (status, answer["name"]) == (200, "In pieces")


def test_an_idle_keep_alive_connection_keeps_the_idle_timeout() -> None:
    """Silent before its first request and between two, longer than the head deadline: not cut
    by it (the deadline runs from a request's first byte); then closed after the idle timeout."""
    idle_timeout, head_timeout = 1.0, 0.25
    with (
        LightMock(idle_timeout=idle_timeout, head_timeout=head_timeout) as mock,
        socket.create_connection(address(mock), timeout=5) as conn,
    ):
        for _ in range(2):
            time.sleep(2 * head_timeout)
            conn.sendall(GET)
            assert read_answer(conn)[0] == 404
        idle_from = time.monotonic()
        assert until_closed(conn) == b""  # closed without a word
        closed_in = time.monotonic() - idle_from
    assert idle_timeout - 0.2 < closed_in < idle_timeout + 3.0, closed_in
    assert mock.stats.statuses == {404: 2}


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("head_timeout", 0, ValueError),
        ("head_timeout", -1.0, ValueError),
        ("head_timeout", math.nan, ValueError),
        ("body_timeout", math.inf, ValueError),
        ("body_timeout", "30", TypeError),
        ("idle_timeout", 0.0, ValueError),
        ("idle_timeout", True, TypeError),
        ("max_connections", 0, ValueError),
        ("max_connections", 2.5, TypeError),
    ],
)
def test_the_limits_are_validated(name: str, value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=name):
        LightMock(**{name: value})
