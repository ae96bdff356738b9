"""The mock's pipeline: strict about what it accepts and about its own answers (raw HTTP)."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from light_client.mock import LightMock
from light_client.mock._server import MAX_BODY_BYTES, routes


@pytest.fixture
def http(light_mock: LightMock) -> Iterator[httpx.Client]:
    headers = {
        "Authorization": f"Basic {light_mock.api_key}",
        "Content-Type": "application/json;charset=UTF-8",  # the media type the spec declares
    }
    with httpx.Client(base_url=light_mock.base_url, headers=headers) as client:
        yield client


def patch(
    http: httpx.Client, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return http.patch(path, content=json.dumps(body).encode(), headers=headers)


def raw(light_mock: LightMock, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Send bytes as they are; the status, headers and JSON body of the answer."""
    host, port = light_mock.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        expected = 0 if request.startswith(b"HEAD ") else int(headers.get("Content-Length", "0"))
        while len(body) < expected:
            body += conn.recv(65536)
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def light_error(error_type: str, message: str, path: list[str] | None) -> dict[str, Any]:
    detail = {"type": error_type, "message": message, "path": path, "context": None}
    name = error_type.title().replace("_", "")
    return {"name": name, "type": error_type, "message": message, "errors": [detail]}


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({"id": "not-a-uuid"}, light_error("BAD_REQUEST", "is read-only", ["id"])),
        ({"createdAt": "garbage"}, light_error("BAD_REQUEST", "is read-only", ["createdAt"])),
        ({"status": "PAID"}, light_error("BAD_REQUEST", "is read-only", ["status"])),
        ({"amount": 1e2}, light_error("BAD_REQUEST", "100.0 is not a 'int64'", ["amount"])),
    ],
)
def test_no_request_can_corrupt_the_store(
    http: httpx.Client, light_mock: LightMock, body: dict[str, Any], answer: dict[str, Any]
) -> None:
    before = light_mock.store.get("CustomerCredit", light_mock.customer_credit_id)
    response = patch(http, f"/v1/customer-credits/{light_mock.customer_credit_id}", body)
    assert (response.status_code, response.json()) == (400, answer)
    assert light_mock.store.get("CustomerCredit", light_mock.customer_credit_id) == before


def test_an_idempotency_key_belongs_to_one_resource(
    http: httpx.Client, light_mock: LightMock
) -> None:
    from light_client.mock._store import SECOND_CUSTOMER_ID

    key = {"X-Idempotency-Key": "k-42"}
    first = patch(http, f"/v1/customers/{light_mock.customer_id}", {"name": "A"}, key)
    other = patch(http, f"/v1/customers/{SECOND_CUSTOMER_ID}", {"name": "A"}, key)
    assert first.status_code == 200
    assert (other.status_code, other.json()["errors"][0]["path"]) == (422, ["X-Idempotency-Key"])
    untouched = light_mock.store.get("Customer", SECOND_CUSTOMER_ID)
    assert untouched is not None and untouched["name"] == "Fjord Consulting"
    empty = patch(
        http, f"/v1/customers/{light_mock.customer_id}", {"name": "B"}, {"X-Idempotency-Key": ""}
    )
    assert (empty.status_code, empty.json()) == (
        400,
        light_error("BAD_REQUEST", "must not be empty", ["X-Idempotency-Key"]),
    )


def test_credentials_are_checked_before_the_body(light_mock: LightMock) -> None:
    with httpx.Client(base_url=light_mock.base_url) as anonymous:
        answer = anonymous.patch(f"/v1/customers/{light_mock.customer_id}", content=b"not json")
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("request_head", "body", "status", "message"),
    [
        ("Content-Length: abc", b"", 400, "Content-Length is not a number"),
        ("Content-Length: -1", b"", 400, "Content-Length is not a number"),
        (
            f"Content-Length: {MAX_BODY_BYTES + 1}",
            b"",
            413,
            f"bodies over {MAX_BODY_BYTES} bytes",
        ),
        ("Content-Length: 2", b"\xff\xfe", 400, "the body is not valid UTF-8"),
    ],
)
def test_malformed_requests_get_an_answer_in_lights_format(
    light_mock: LightMock, request_head: str, body: bytes, status: int, message: str
) -> None:
    request = (
        f"PATCH /v1/customers/{light_mock.customer_id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {light_mock.api_key}\r\nContent-Type: application/json\r\n"
        f"{request_head}\r\n\r\n"
    ).encode() + body
    answered, _, answer = raw(light_mock, request)
    assert answered == status
    assert answer["message"] == message and answer["errors"][0]["message"] == message


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "HEAD"])
def test_undeclared_methods_are_405_with_allow(light_mock: LightMock, method: str) -> None:
    request = (
        f"{method} /v1/customers/{light_mock.customer_id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {light_mock.api_key}\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    status, headers, answer = raw(light_mock, request)
    assert (status, headers["Allow"]) == (405, "PATCH")
    if method != "HEAD":
        assert answer == light_error("METHOD_NOT_ALLOWED", f"{method} is not allowed here", None)


def test_an_answer_that_breaks_the_spec_is_a_loud_500(
    http: httpx.Client, light_mock: LightMock, caplog: pytest.LogCaptureFixture
) -> None:
    light_mock.store.resources["Customer"][light_mock.customer_id]["createdAt"] = "garbage"
    with caplog.at_level(logging.ERROR, logger="light_client.mock"):
        answer = patch(http, f"/v1/customers/{light_mock.customer_id}", {"name": "x"})
    assert answer.status_code == 500
    assert answer.json()["type"] == "INTERNAL_SERVER_ERROR"
    assert answer.json()["message"].startswith("the mock's answer broke the spec at createdAt")
    (record,) = caplog.records
    assert record.getMessage().startswith("Light mock bug: its Customer answer breaks")


def test_a_client_that_hangs_up_leaves_no_traceback(
    light_mock: LightMock, capfd: pytest.CaptureFixture[str]
) -> None:
    host, port = light_mock.base_url.removeprefix("http://").split(":")
    for _ in range(3):  # each promises 100 bytes, sends 1 and hangs up before the answer
        with socket.create_connection((host, int(port))) as conn:
            conn.sendall(b"PATCH /v1/customers/x HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    deadline = time.monotonic() + 5
    while sum(light_mock.stats.statuses.values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # the mock answers each (into a closed socket)
    assert sum(light_mock.stats.statuses.values()) == 3
    assert capfd.readouterr().err == ""


def test_reset_puts_the_seed_back(http: httpx.Client, light_mock: LightMock) -> None:
    seeded = light_mock.store.get("Customer", light_mock.customer_id)
    patch(http, f"/v1/customers/{light_mock.customer_id}", {"name": "changed"})
    light_mock.reset()
    assert light_mock.store.get("Customer", light_mock.customer_id) == seeded
    assert (light_mock.stats.requests, dict(light_mock.stats.applied)) == (0, {})


def test_routes_come_from_the_spec() -> None:
    from light_client._validation import _spec

    assert [route.pattern.pattern for route in routes()] == [
        "^"
        + path.replace("{customerId}", "(?P<id>[^/]+)").replace(
            "{customerCreditId}", "(?P<id>[^/]+)"
        )
        + "$"
        for path in _spec()["paths"]
    ]
    assert [route.operations for route in routes()] == [
        {"PATCH": ("Customer", "UpdateCustomerRequest")},
        {"PATCH": ("CustomerCredit", "UpdateCustomerCreditRequest")},
    ]


def test_a_session_mock_is_shared_and_resets(light_mock_session: LightMock) -> None:
    light_mock_session.reset()
    with httpx.Client(base_url=light_mock_session.base_url) as anonymous:
        assert anonymous.patch("/v1/customers/x").status_code == 401
    assert light_mock_session.stats.requests == 1
    light_mock_session.reset()
    assert light_mock_session.stats.requests == 0
