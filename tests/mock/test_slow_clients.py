"""Slow clients against the mock over raw sockets: a request's head and body have deadlines
however often their bytes trickle in, idle keep-alive connections keep the idle timeout, and
connections that linger or trickle never keep a real request waiting (issue 26, item 15).

Timings are bounded generously (a loaded two-core machine), never asserted exactly."""

from __future__ import annotations

import contextlib
import json
import math
import select
import socket
import threading
import time
from typing import Any

import pytest

from light_client import SyncLightClient
from light_client.mock import Faults, LightMock
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


def parsed(data: bytes) -> tuple[int, dict[str, str], Any]:
    """One whole answer's status, headers and JSON body."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def trickle(conns: list[socket.socket], every: float, stop: threading.Event) -> None:
    """The next byte of ``SLOW_HEAD`` on each connection every ``every`` seconds, until stopped
    (the first is sent already; a connection the mock closed is left alone)."""
    for index in range(1, len(SLOW_HEAD)):
        if stop.wait(every):
            return
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.send(SLOW_HEAD[index : index + 1])


def test_trickling_connections_do_not_keep_a_real_request_waiting() -> None:
    """128 connections, the mock's default cap, each sending a byte of a request head every
    0.5 s (each read well inside the idle timeout): a real call on a new connection is answered
    at once, and each slow head is cut off by its deadline with a 408."""
    slow_clients, every, head_timeout = 128, 0.5, 1.2
    stop = threading.Event()
    with LightMock(head_timeout=head_timeout) as mock:
        options: dict[str, Any] = {"api_key": mock.api_key, "base_url": mock.base_url}
        options.update(timeout=3.0, max_retries=0, max_requests_per_minute=None)
        with SyncLightClient(**options) as light:  # a process's first call builds caches
            light.customers.get(mock.customer_id)
        slow = [socket.create_connection(address(mock), timeout=5) for _ in range(slow_clients)]
        trickler = threading.Thread(target=trickle, args=(slow, every, stop))
        try:
            for conn in slow:
                conn.sendall(SLOW_HEAD[:1])
            started = time.monotonic()
            trickler.start()
            time.sleep(every + 0.1)  # a second byte on each: all of them trickling
            with SyncLightClient(**options) as light:  # its call: on a new connection
                asked = time.monotonic()
                customer = light.customers.get(mock.customer_id)
                answered_in = time.monotonic() - asked
            closing = [until_closed(conn) for conn in slow]
            all_closed_in = time.monotonic() - started
        finally:
            stop.set()
            if trickler.is_alive():
                trickler.join()
            for conn in slow:
                conn.close()
    assert str(customer.id) == mock.customer_id
    assert answered_in < 1.0, answered_in  # about 5 ms; it waited for ever before the deadlines
    assert all_closed_in < head_timeout + 3.0, all_closed_in  # each head's deadline, not idle's
    # Each slow client is answered 408 and closed; the one that had waited longest may have
    # been closed, unanswered, to make room for the real call instead.
    late = [parsed(data) for data in closing if data]
    assert len(late) >= slow_clients - 1
    message = f"the request's head did not arrive within {head_timeout:g} s"
    assert {(status, headers["Connection"]) for status, headers, _ in late} == {(408, "close")}
    assert all(body == light_error("REQUEST_TIMEOUT", message) for _, _, body in late)
    assert mock.stats.statuses == {200: 2, 408: len(late)}


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


def test_at_the_cap_a_new_connection_closes_the_one_idle_longest() -> None:
    with LightMock(max_connections=2) as mock:
        threads = threading.active_count()
        first = socket.create_connection(address(mock), timeout=5)
        second = socket.create_connection(address(mock), timeout=5)
        with first, second:
            for conn in (first, second):
                conn.sendall(GET)
                assert read_answer(conn)[0] == 404
                time.sleep(0.2)  # its thread back to waiting: both idle, first the longest
            with socket.create_connection(address(mock), timeout=5) as third:
                asked = time.monotonic()
                third.sendall(GET)
                assert read_answer(third)[0] == 404
                assert time.monotonic() - asked < 1.0
            assert until_closed(first) == b""  # closed to make room, without a word
            second.sendall(GET)
            assert read_answer(second)[0] == 404  # kept
            deadline = time.monotonic() + 5
            while threading.active_count() > threads + 2 and time.monotonic() < deadline:
                time.sleep(0.01)  # the closed one's thread ends just after freeing its slot
            assert threading.active_count() <= threads + 2  # still a thread per connection
    assert mock.stats.statuses == {404: 4}


def test_connections_beyond_the_cap_wait_while_every_one_is_answered() -> None:
    latency = 0.6
    with LightMock(max_connections=2, faults=Faults(latency=latency)) as mock:
        first = socket.create_connection(address(mock), timeout=5)
        second = socket.create_connection(address(mock), timeout=5)
        with first, second:
            for conn in (first, second):
                conn.sendall(GET)
            deadline = time.monotonic() + 5
            while mock.stats.requests < 2 and time.monotonic() < deadline:
                time.sleep(0.01)  # both in the pipeline (its latency): neither may be closed
            with socket.create_connection(address(mock), timeout=5) as third:
                third.sendall(GET)
                third.settimeout(latency / 4)
                with pytest.raises(TimeoutError):
                    third.recv(1)  # accepted by the kernel, not served: both are being answered
                third.settimeout(5)
                assert read_answer(third)[0] == 404  # once one of them was answered
            assert [read_answer(conn)[0] for conn in (first, second)] == [404, 404]
    assert mock.stats.statuses == {404: 3}


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
