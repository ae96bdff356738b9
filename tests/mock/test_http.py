"""The mock's HTTP layer over raw sockets: every malformed request answered in Light's format,
the idle timeout, quiet hang-ups, and a start and stop fast enough for a mock per test (slow
clients and the connection cap: test_slow_clients.py)."""

from __future__ import annotations

import socket
import time

import pytest

from light_client.mock import LightMock
from light_client.mock._http import MAX_BODY_BYTES
from tests._mock_wire import address, light_error, raw, read_answer

JSON = "application/json;charset=UTF-8"


def patch_request(mock: LightMock, head: str, body: bytes = b"") -> bytes:
    """A PATCH of the seeded customer with valid credentials, ``head`` its last header lines."""
    return (
        f"PATCH /v1/customers/{mock.customer_id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {mock.api_key}\r\nContent-Type: {JSON}\r\n{head}\r\n\r\n"
    ).encode() + body


TOO_LARGE = light_error("PAYLOAD_TOO_LARGE", f"bodies over {MAX_BODY_BYTES} bytes")


@pytest.mark.parametrize(
    ("head", "body", "status", "message"),
    [
        ("Content-Length: abc", b"", 400, "Content-Length is not a number"),
        ("Content-Length: -1", b"", 400, "Content-Length is not a number"),
        ("Content-Length: \u00b2", b"", 400, "Content-Length is not a number"),
        (
            "Content-Length: 2\r\nContent-Length: 3",
            b"{}",
            400,
            "conflicting Content-Length headers",
        ),
        (
            "Content-Length: 2\r\nTransfer-Encoding: chunked",
            b"{}",
            400,
            "Content-Length and Transfer-Encoding together",
        ),
        ("Transfer-Encoding: gzip", b"", 400, "the only Transfer-Encoding accepted is chunked"),
        ("Transfer-Encoding: chunked", b"zz\r\n", 400, "a chunk size is not a hexadecimal number"),
        ("Transfer-Encoding: chunked", b"-1\r\n", 400, "a chunk size is not a hexadecimal number"),
        (
            "Transfer-Encoding: chunked",
            b"2\r\n{}}\r\n0\r\n\r\n",
            400,
            "a chunk is shorter or longer than its size",
        ),
        ("Transfer-Encoding: chunked", b"100001\r\n", 413, TOO_LARGE["message"]),
        (f"Content-Length: {MAX_BODY_BYTES + 1}", b"", 413, TOO_LARGE["message"]),
    ],
)
def test_a_body_that_cannot_be_framed_is_refused_and_the_connection_closed(
    light_mock_shared: LightMock, head: str, body: bytes, status: int, message: str
) -> None:
    answered, headers, answer = raw(light_mock_shared, patch_request(light_mock_shared, head, body))
    error_type = "PAYLOAD_TOO_LARGE" if status == 413 else "BAD_REQUEST"
    assert (answered, answer) == (status, light_error(error_type, message))
    assert (headers["Connection"], headers["Content-Type"]) == ("close", JSON)
    assert light_mock_shared.stats.requests == 0  # refused before the pipeline


@pytest.mark.parametrize(
    ("head", "body", "message"),
    [
        ("Content-Length: 2", b"\xff\xfe", "the body is not valid UTF-8"),
        ("Content-Length: 14", b'{"name": NaN }', "the body is not JSON: NaN is not a JSON value"),
        (
            "Content-Length: 8",
            b"not json",
            "the body is not JSON: Expecting value: line 1 column 1 (char 0)",
        ),
    ],
)
def test_a_body_that_is_not_json_is_a_400(
    light_mock_shared: LightMock, head: str, body: bytes, message: str
) -> None:
    status, headers, answer = raw(light_mock_shared, patch_request(light_mock_shared, head, body))
    assert (status, answer) == (400, light_error("BAD_REQUEST", message))
    assert "Connection" not in headers  # framed fine: the connection stays open


def test_a_chunked_body_is_read(light_mock_shared: LightMock) -> None:
    body = b'9\r\n{"name": \r\n9\r\n"Chunked"\r\n1;ext=1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n'
    request = patch_request(light_mock_shared, "Transfer-Encoding: chunked", body)
    status, _, answer = raw(light_mock_shared, request)
    assert (status, answer["name"]) == (200, "Chunked")


@pytest.mark.parametrize(
    ("request_bytes", "status", "error_type", "message"),
    [
        (b"GARBAGE\r\n\r\n", 400, "BAD_REQUEST", "Bad request syntax ('GARBAGE')"),
        (
            b"GET / HTTP/9.9\r\n\r\n",
            505,
            "HTTP_VERSION_NOT_SUPPORTED",
            "Invalid HTTP version (9.9)",
        ),
        (
            b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
            431,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "Line too long",
        ),
        (
            b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 101 + b"\r\n",
            431,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "Too many headers",
        ),
        (
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            414,
            "URI_TOO_LONG",
            "URI Too Long",  # RFC 9110's phrase on every Python (3.13's table has it too)
        ),
    ],
)
def test_what_the_http_parser_refuses_is_answered_in_lights_format(
    light_mock_shared: LightMock, request_bytes: bytes, status: int, error_type: str, message: str
) -> None:
    answered, headers, answer = raw(light_mock_shared, request_bytes)
    assert (answered, answer) == (status, light_error(error_type, message))
    assert (headers["Connection"], headers["Content-Type"]) == ("close", JSON)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/oauth/authorize", "GET"),
        ("GET", "/oauth/token", "POST"),
        ("TRACE", "/oauth/token", "POST"),
    ],
)
def test_the_oauth_endpoints_answer_other_methods_405(
    light_mock_shared: LightMock, method: str, path: str, allow: str
) -> None:
    status, headers, answer = raw(
        light_mock_shared,
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode(),
    )
    assert (status, headers["Allow"]) == (405, allow)
    assert answer == light_error("METHOD_NOT_ALLOWED", f"{method} is not allowed here")


def test_a_client_that_hangs_up_leaves_no_traceback(
    light_mock_shared: LightMock, capfd: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):  # each promises 100 bytes, sends 1 and hangs up before the answer
        with socket.create_connection(address(light_mock_shared)) as conn:
            conn.sendall(b"PATCH /v1/customers/x HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    deadline = time.monotonic() + 5
    while light_mock_shared.stats.statuses[400] < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # the mock answers each 400 (into a closed socket)
    assert light_mock_shared.stats.statuses == {400: 3}
    assert capfd.readouterr().err == ""


def closed_by_server(conn: socket.socket) -> bool:
    """Whether the server has closed ``conn`` (its end: EOF, or a reset)."""
    try:
        return conn.recv(1) == b""
    except ConnectionResetError:
        return True


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with LightMock(idle_timeout=0.3) as mock:
        with socket.create_connection(address(mock), timeout=5) as silent:
            started = time.monotonic()
            assert closed_by_server(silent)
            assert 0.25 <= time.monotonic() - started < 3
        with socket.create_connection(address(mock), timeout=5) as keep_alive:
            keep_alive.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_answer(keep_alive)[0] == 404
            assert closed_by_server(keep_alive)  # then idle: closed
        assert mock.stats.statuses == {404: 1}  # no answer to the silent one


def test_stop_ends_open_connections_at_once() -> None:
    mock = LightMock().start()
    conn = socket.create_connection(address(mock), timeout=5)
    conn.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_answer(conn)[0] == 404  # kept alive, its thread waiting for the next request
    started = time.monotonic()
    mock.stop()
    with conn:
        assert closed_by_server(conn)
    assert time.monotonic() - started < 0.5


def test_a_mock_starts_serves_and_stops_within_50_ms() -> None:
    """The parsed spec and validators are built once per process, not per mock; stopping waits
    one short poll. Best of five, so that a busy machine does not decide the result."""
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        with LightMock() as mock:
            status, _, _ = raw(mock, patch_request(mock, "Content-Length: 2", b"{}"))
        timings.append(time.perf_counter() - started)
        assert status == 200
    assert min(timings[1:]) < 0.050, timings  # the first also builds the per-process caches
