"""The client layer over pytest-httpx: auth, configuration, requests, errors, redirects, logs."""

from __future__ import annotations

import json
import logging
import tomllib
import traceback
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import light_client
from light_client import (
    UNSET,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    LightClient,
    LightError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    SyncLightClient,
    UnprocessableEntityError,
)
from light_client.models import Address, CountryCode, Customer, CustomerCredit, CustomerType
from light_client.testing import FakeClock
from tests._harness import (
    CREDIT_ID,
    CREDIT_URL,
    CUSTOMER_ID,
    CUSTOMER_URL,
    Kind,
    Light,
)
from tests.conftest import API_KEY, ROOT, load_json

CUSTOMER = load_json("seed_customer_response.json")
# Light's documented example answer, for the credit these tests update (the SDK checks the id).
CREDIT = {**load_json("seed_customer_credit_response.json"), "id": str(CREDIT_ID)}


@pytest.fixture
async def light(kind: Kind, clean_env: pytest.MonkeyPatch) -> AsyncIterator[Light]:
    client = Light(kind, api_key=API_KEY, max_retries=0)
    yield client
    await client.close()


def body_of(request: httpx.Request) -> bytes:
    return request.content


# -- requests ---------------------------------------------------------------------------------


async def test_update_customer_sends_exact_request(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", url=CUSTOMER_URL, json=CUSTOMER)
    customer = await light.update_customer(
        name="Acme ApS", email=None, description=UNSET, address=Address(country=CountryCode.DK)
    )
    (request,) = httpx_mock.get_requests()
    assert request.content == b'{"name":"Acme ApS","email":null,"address":{"country":"DK"}}'
    assert request.headers["Authorization"] == f"Basic {API_KEY}"
    assert request.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == (
        f"light-client/{light_client.__version__} python-httpx/{httpx.__version__}"
    )
    assert len(request.headers["X-Idempotency-Key"]) == 36
    assert isinstance(customer, Customer)
    assert customer.id == CUSTOMER_ID


async def test_update_credit_sends_exact_request(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", url=CREDIT_URL, json=CREDIT)
    credit = await light.update_credit(str(CREDIT_ID), amount=12_500, description=UNSET)
    (request,) = httpx_mock.get_requests()
    assert request.content == b'{"amount":12500}'
    assert isinstance(credit, CustomerCredit)


async def test_no_fields_sends_empty_object(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer()
    assert httpx_mock.get_requests()[0].content == b"{}"


async def test_enum_fields_take_members_or_strings(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(type_=CustomerType.BUSINESS, einvoice_network="NEW_NETWORK")
    await light.update_customer(type_="CONSUMER", einvoice_network=None)
    first, second = httpx_mock.get_requests()
    assert first.content == b'{"einvoiceNetwork":"NEW_NETWORK","type":"BUSINESS"}'
    assert second.content == b'{"einvoiceNetwork":null,"type":"CONSUMER"}'


@pytest.mark.parametrize(
    "bad_id", ["not-a-uuid", "", "3c90c3cc-0d44-4b50-8888", 12345, None, b"3c90c3cc"]
)
async def test_bad_id_raises_before_any_request(
    light: Light, httpx_mock: HTTPXMock, bad_id: Any
) -> None:
    # A LightError that is also a ValueError: an app that catches either turns it into a 4xx.
    with pytest.raises(InvalidArgumentError, match="customer_id must be a UUID or a UUID string"):
        await light.update_customer(bad_id, name="x")
    with pytest.raises(InvalidArgumentError, match="customer_credit_id must be a UUID"):
        await light.update_credit(bad_id, amount=1)
    assert httpx_mock.get_requests() == []


async def test_unknown_field_is_a_type_error_with_a_suggestion(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError, match=r"has no field 'nmae'; did you mean 'name'\?"):
        await light.update_customer(nmae="Acme")
    with pytest.raises(TypeError, match=r"has no field 'vatNumber'; did you mean 'vat_number'\?"):
        await light.update_customer(vatNumber="DK1")
    with pytest.raises(TypeError, match=r"UpdateCustomerCreditRequest has no field 'colour'$"):
        await light.update_credit(colour="red")
    assert httpx_mock.get_requests() == []


async def test_per_call_timeout_and_extra_headers(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(
        name="a", timeout=2.5, extra_headers={"X-Trace": "t-1"}, idempotency_key="my-key"
    )
    await light.update_customer(name="a")
    first, second = httpx_mock.get_requests()
    assert first.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert first.headers["X-Trace"] == "t-1"
    assert first.headers["X-Idempotency-Key"] == "my-key"
    assert second.extensions["timeout"] == httpx.Timeout(60.0, connect=5.0).as_dict()
    assert "X-Trace" not in second.headers


async def test_client_timeout_setting(kind: Kind, clean_env: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(json=CUSTOMER)
    for timeout in (7, httpx.Timeout(3.0, connect=1.0)):
        light = Light(kind, api_key=API_KEY, timeout=timeout)
        await light.update_customer(name="a")
        await light.close()
    first, second = httpx_mock.get_requests()
    assert first.extensions["timeout"] == httpx.Timeout(7).as_dict()
    assert second.extensions["timeout"] == httpx.Timeout(3.0, connect=1.0).as_dict()


async def test_raw_response(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER, headers={"X-Request-Note": "n"}, status_code=200)
    raw = await light.raw_update_customer(name="a")
    assert raw.status_code == 200
    assert raw.headers["X-Request-Note"] == "n"
    assert json.loads(raw.content) == CUSTOMER
    assert raw.json() == CUSTOMER
    assert isinstance(raw.parsed, Customer)
    assert raw.attempts == 1


# -- auth and configuration -------------------------------------------------------------------


async def test_bearer_token(kind: Kind, clean_env: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, access_token="tok-abc")
    await light.update_customer(name="a")
    await light.close()
    assert httpx_mock.get_requests()[0].headers["Authorization"] == "Bearer tok-abc"


async def test_env_api_key_and_base_url(
    kind: Kind, clean_env: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    clean_env.setenv("LIGHT_API_KEY", "env-key")
    clean_env.setenv("LIGHT_BASE_URL", "http://127.0.0.1:9999/light")
    httpx_mock.add_response(
        url=f"http://127.0.0.1:9999/light/v1/customers/{CUSTOMER_ID}", json=CUSTOMER
    )
    httpx_mock.add_response(url=f"https://other.example/v1/customers/{CUSTOMER_ID}", json=CUSTOMER)
    from_env = Light(kind)
    from_args = Light(kind, api_key="arg-key", base_url="https://other.example")
    await from_env.update_customer(name="a")
    await from_args.update_customer(name="a")
    first, second = httpx_mock.get_requests()
    assert first.headers["Authorization"] == "Basic env-key"
    assert second.headers["Authorization"] == "Basic arg-key"
    await from_env.close()
    await from_args.close()


@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_default_base_url(clean_env: Any, client_type: type[LightClient | SyncLightClient]) -> None:
    assert str(client_type(api_key="k").base_url) == "https://api.light.inc"


@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_missing_credentials_names_the_env_var(
    clean_env: Any, client_type: type[LightClient | SyncLightClient]
) -> None:
    with pytest.raises(LightError, match="LIGHT_API_KEY"):
        client_type()


async def test_token_provider_refreshes_once_on_401(clean_env: Any, httpx_mock: HTTPXMock) -> None:
    tokens = iter(["expired", "fresh", "never-used"])
    calls: list[str] = []

    async def provider() -> str:
        calls.append("called")
        return next(tokens)

    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "expired"})
    httpx_mock.add_response(json=CUSTOMER)
    async with LightClient(access_token=provider, max_retries=0) as light:
        await light.customers.update(CUSTOMER_ID, name="a")
    first, second = httpx_mock.get_requests()
    assert first.headers["Authorization"] == "Bearer expired"
    assert second.headers["Authorization"] == "Bearer fresh"
    assert first.headers["X-Idempotency-Key"] == second.headers["X-Idempotency-Key"]
    assert calls == ["called", "called"]


def test_sync_token_provider_gives_up_after_one_refresh(
    clean_env: Any, httpx_mock: HTTPXMock
) -> None:
    tokens = iter(["one", "two", "three"])
    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "no"})
    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "no"})
    with (
        SyncLightClient(access_token=lambda: next(tokens)) as light,
        pytest.raises(AuthenticationError) as caught,
    ):
        light.customers.update(CUSTOMER_ID, name="a")
    assert [r.headers["Authorization"] for r in httpx_mock.get_requests()] == [
        "Bearer one",
        "Bearer two",
    ]
    assert caught.value.type == "UNAUTHORIZED"


async def test_api_key_401_is_not_retried(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "bad key"})
    with pytest.raises(AuthenticationError, match="401 UNAUTHORIZED: bad key"):
        await light.update_customer(name="a")
    assert len(httpx_mock.get_requests()) == 1


async def test_user_http_client_is_used_and_left_open(
    kind: Kind, clean_env: Any, httpx_mock: HTTPXMock
) -> None:
    seen: list[str] = []
    httpx_mock.add_response(json=CUSTOMER)
    if kind == "async":

        async def hook(request: httpx.Request) -> None:
            seen.append(request.headers["X-From-User-Client"])

        async_http = httpx.AsyncClient(
            headers={"X-From-User-Client": "yes"}, event_hooks={"request": [hook]}
        )
        async with LightClient(api_key=API_KEY, http_client=async_http) as light:
            await light.customers.update(CUSTOMER_ID, name="a")
        assert not async_http.is_closed
        await async_http.aclose()
    else:
        sync_http = httpx.Client(
            headers={"X-From-User-Client": "yes"},
            event_hooks={"request": [lambda r: seen.append(r.headers["X-From-User-Client"])]},
        )
        with SyncLightClient(api_key=API_KEY, http_client=sync_http) as sync_light:
            sync_light.customers.update(CUSTOMER_ID, name="a")
        assert not sync_http.is_closed
        sync_http.close()
    assert seen == ["yes"]


async def test_own_http_client_is_closed(clean_env: Any) -> None:
    async with LightClient(api_key=API_KEY) as light:
        pass
    assert light._http.is_closed
    with SyncLightClient(api_key=API_KEY) as sync_light:
        pass
    assert sync_light._http.is_closed


async def test_own_pool_keeps_no_cookies(kind: Kind, clean_env: Any, httpx_mock: HTTPXMock) -> None:
    # Light authenticates by header; a cookie one credential's answer sets must not go out with
    # another credential's requests on the shared pool (with_options, tenants' clients).
    httpx_mock.add_response(
        json=CUSTOMER, headers={"Set-Cookie": "session=tenant-a; Path=/"}, is_reusable=True
    )
    light = Light(kind, api_key=API_KEY, max_retries=0)
    try:
        await light.update_customer(name="a")
        await light.update_customer(name="b")
        other = light.client.with_options(api_key="sk_other")  # shares the pool
        if isinstance(other, LightClient):
            await other.customers.update(CUSTOMER_ID, name="c")
        else:
            other.customers.update(CUSTOMER_ID, name="c")
        assert len(light.client._http.cookies) == 0
        with pytest.raises(AttributeError, match="keeps no cookies"):
            light.client._http.cookies = {"session": "x"}
    finally:
        await light.close()
    sent = httpx_mock.get_requests()
    assert [request.headers.get("cookie") for request in sent] == [None, None, None]
    assert sent[2].headers["authorization"] == "Basic sk_other"


async def test_a_users_http_client_keeps_its_cookies(clean_env: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        json=CUSTOMER, headers={"Set-Cookie": "session=s1; Path=/"}, is_reusable=True
    )
    async with httpx.AsyncClient() as http, LightClient(api_key=API_KEY, http_client=http) as light:
        await light.customers.update(CUSTOMER_ID, name="a")
        await light.customers.update(CUSTOMER_ID, name="b")
    assert [r.headers.get("cookie") for r in httpx_mock.get_requests()] == [None, "session=s1"]


# -- errors -----------------------------------------------------------------------------------

LIGHT_400 = {
    "name": "BadRequest",
    "type": "BAD_REQUEST",
    "errors": [
        {"type": "INVALID", "message": "must be a valid email", "path": ["email"], "context": None},
        {"type": "INVALID", "message": "unknown country", "path": ["address", "country"]},
    ],
}


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
async def test_status_maps_to_error_class(
    light: Light, httpx_mock: HTTPXMock, status: int, error_class: type[APIStatusError]
) -> None:
    httpx_mock.add_response(status_code=status, json=LIGHT_400)
    with pytest.raises(error_class) as caught:
        await light.update_customer(email="nope")
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.type == "BAD_REQUEST"
    assert error.message == "BadRequest"
    assert [(e.path, e.message) for e in error.errors] == [
        (["email"], "must be a valid email"),
        (["address", "country"], "unknown country"),
    ]
    assert error.field_errors == {
        "email": "must be a valid email",
        "address.country": "unknown country",
    }
    assert error.body == LIGHT_400  # parsed; the bytes are error.content
    assert json.loads(error.content) == LIGHT_400
    # A status the SDK would have retried says why it did not (the fixture's max_retries=0).
    reason = "not retried (max_retries=0)" if status in (409, 429, 500, 503) else None
    assert error.reason == reason
    assert str(error) == (
        f"{status} BAD_REQUEST: BadRequest; email: must be a valid email; "
        "address.country: unknown country" + (f"; {reason}" if reason else "")
    )


async def test_short_error_form(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, json={"type": "NOT_FOUND", "message": "no customer"})
    with pytest.raises(NotFoundError) as caught:
        await light.update_customer(name="a")
    assert (caught.value.type, caught.value.message, caught.value.errors) == (
        "NOT_FOUND",
        "no customer",
        [],
    )


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (502, b"<html><body>Bad gateway</body></html>", InternalServerError),
        (403, b"Forbidden", PermissionDeniedError),
        (400, b'["not", "an", "object"]', BadRequestError),
        (404, b'{"type": 42}', NotFoundError),
        (400, b"", BadRequestError),
    ],
)
async def test_error_body_not_in_lights_format(
    light: Light, httpx_mock: HTTPXMock, status: int, body: bytes, error_class: type[APIStatusError]
) -> None:
    httpx_mock.add_response(status_code=status, content=body, headers={"Content-Type": "text/html"})
    with pytest.raises(error_class) as caught:
        await light.update_customer(name="a")
    assert caught.value.content == body
    assert caught.value.body == (json.loads(body) if body.startswith((b"[", b"{")) else None)
    assert (caught.value.type, caught.value.message, caught.value.errors) == (None, None, [])
    reason = "not retried (max_retries=0)" if status == 502 else None
    assert str(caught.value) == (f"{status}: {reason}" if reason else str(status))


@pytest.mark.parametrize(
    ("content", "path", "message"),
    [
        (b"<html>oops</html>", None, "the body is not JSON"),
        (b'{"id": "not-a-uuid"}', "id", "'not-a-uuid' is not a 'uuid'"),
        (
            b'{"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "customProperties": {"a": 1}}',
            "customProperties",
            "is not of type 'array'",
        ),
        (b'{"name": "Acme"}', None, "'id' is a required property"),
        (b"[]", None, "[] is not of type 'object'"),
    ],
)
async def test_2xx_that_breaks_the_schema(
    light: Light, httpx_mock: HTTPXMock, content: bytes, path: str | None, message: str
) -> None:
    httpx_mock.add_response(status_code=200, content=content)
    with pytest.raises(ResponseValidationError) as caught:
        await light.update_customer(name="a", strict_response_validation=True)
    assert caught.value.path == path
    assert message in str(caught.value)
    assert caught.value.content == content
    assert caught.value.body == (None if content.startswith(b"<") else json.loads(content))
    assert isinstance(caught.value, ValueError)


async def test_connection_error_is_wrapped(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection refused"))
    with pytest.raises(light_client.APIConnectionError) as caught:
        await light.update_customer(name="a")
    assert not isinstance(caught.value, light_client.APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_timeout_is_wrapped(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"))
    with pytest.raises(light_client.APITimeoutError, match="request timed out"):
        await light.update_customer(name="a")


# -- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_same_host_redirect_keeps_method_body_and_auth(
    light: Light, httpx_mock: HTTPXMock, status: int
) -> None:
    moved = f"https://api.light.inc/v2/customers/{CUSTOMER_ID}"
    httpx_mock.add_response(url=CUSTOMER_URL, status_code=status, headers={"Location": moved})
    httpx_mock.add_response(url=moved, json=CUSTOMER)
    await light.update_customer(name="Acme")
    first, second = httpx_mock.get_requests()
    assert (second.method, str(second.url), second.content) == ("PATCH", moved, b'{"name":"Acme"}')
    assert second.headers["Authorization"] == f"Basic {API_KEY}"
    assert second.headers["X-Idempotency-Key"] == first.headers["X-Idempotency-Key"]
    assert second.headers["Content-Type"] == "application/json;charset=UTF-8"


async def test_redirect_to_another_host_drops_credentials(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    elsewhere = "https://elsewhere.example/customers"
    httpx_mock.add_response(url=CUSTOMER_URL, status_code=307, headers={"Location": elsewhere})
    httpx_mock.add_response(url=elsewhere, status_code=401, json={"type": "UNAUTHORIZED"})
    with pytest.raises(AuthenticationError):
        await light.update_customer(name="Acme")
    second = httpx_mock.get_requests()[1]
    assert "Authorization" not in second.headers
    assert API_KEY not in str(second.headers)


async def test_303_is_never_a_silent_get_success(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=303, headers={"Location": CUSTOMER_URL})
    with pytest.raises(APIStatusError, match="does not follow") as caught:
        await light.update_customer(name="Acme")
    assert caught.value.status_code == 303
    assert [r.method for r in httpx_mock.get_requests()] == ["PATCH"]


async def test_redirect_loop_is_an_error(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=308, headers={"Location": CUSTOMER_URL}, is_reusable=True)
    with pytest.raises(APIStatusError, match="too many redirects"):
        await light.update_customer(name="Acme")
    assert len(httpx_mock.get_requests()) == 6


# -- secrets ----------------------------------------------------------------------------------


async def test_secrets_never_in_repr_logs_or_errors(
    light: Light, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="light_client")
    httpx_mock.add_response(json=CUSTOMER)
    httpx_mock.add_response(status_code=401, json={"type": "UNAUTHORIZED", "message": "bad"})
    await light.update_customer(name="a")
    with pytest.raises(AuthenticationError) as caught:
        await light.update_customer(name="a")
    texts = [
        repr(light.client),
        repr(light.client._credentials),
        str(caught.value),
        repr(caught.value),
        *(record.getMessage() for record in caplog.records),
    ]
    assert all(API_KEY not in text for text in texts)
    assert any("'authorization': '<redacted>'" in r.getMessage() for r in caplog.records)
    assert any(
        f"PATCH /v1/customers/{CUSTOMER_ID} -> 200" in r.getMessage()
        and "attempt 1" in r.getMessage()
        for r in caplog.records
    )


def test_light_log_env_turns_logging_on(clean_env: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("light_client")
    clean_env.setenv("LIGHT_LOG", "debug")
    clean_env.setattr(logger, "level", logging.NOTSET)
    clean_env.setattr(logger, "handlers", [])
    clean_env.setattr(logging.getLogger(), "handlers", [])  # no logging configured by the app
    SyncLightClient(api_key="k").close()
    assert logger.level == logging.DEBUG
    assert len(logger.handlers) == 1


def test_light_log_adds_no_handler_where_the_app_configured_logging(
    clean_env: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger("light_client")
    clean_env.setenv("LIGHT_LOG", "info")
    clean_env.setattr(logger, "level", logging.NOTSET)
    clean_env.setattr(logger, "handlers", [])
    clean_env.setattr(logging.getLogger(), "handlers", [logging.NullHandler()])  # basicConfig
    SyncLightClient(api_key="k").close()
    assert (logger.level, logger.handlers) == (logging.INFO, [])  # its lines go to the app's


@pytest.mark.parametrize("light_log", [None, "info"])
async def test_under_basic_config_info_a_request_is_logged_once(
    kind: Kind,
    clean_env: pytest.MonkeyPatch,
    httpx_mock: HTTPXMock,
    caplog: pytest.LogCaptureFixture,
    light_log: str | None,
) -> None:
    # httpx logs each request at INFO: the SDK's line for the attempt is DEBUG unless asked for.
    if light_log:
        clean_env.setenv("LIGHT_LOG", light_log)
    clean_env.setattr(logging.getLogger("light_client"), "level", logging.NOTSET)
    caplog.set_level(logging.INFO)  # as logging.basicConfig(level=logging.INFO)
    httpx_mock.add_response(json=CUSTOMER)
    light = Light(kind, api_key=API_KEY, max_retries=0, clock=FakeClock())
    await light.update_customer(name="a")
    await light.close()
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    httpx_line = f'HTTP Request: PATCH {CUSTOMER_URL} "HTTP/1.1 200 OK"'
    sdk_line = f"PATCH /v1/customers/{CUSTOMER_ID} -> 200 (0 ms, attempt 1)"
    assert records == [("httpx", logging.INFO, httpx_line)] + (
        [("light_client", logging.INFO, sdk_line)] if light_log else []
    )


def test_version_is_pyproject_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert light_client.__version__ == project["version"]


def test_public_names_are_complete_and_sorted() -> None:
    public = {
        name
        for name, value in vars(light_client).items()
        if name[0].isalpha() and not isinstance(value, ModuleType)
    } | set(light_client._LOADED_ON_USE)
    assert sorted(public) == sorted(name for name in light_client.__all__ if name != "__version__")
    assert light_client.__all__ == sorted(light_client.__all__, key=lambda n: (not n.isupper(), n))


def test_public_classes_show_their_public_name() -> None:
    assert repr(light_client.NotFoundError) == "<class 'light_client.NotFoundError'>"
    assert repr(light_client.LightClient) == "<class 'light_client.LightClient'>"
    assert repr(light_client.SyncLightClient) == "<class 'light_client.SyncLightClient'>"
    errors = [
        v for v in vars(light_client).values() if isinstance(v, type) and issubclass(v, LightError)
    ]
    assert len(errors) == 19
    assert {error.__module__ for error in errors} == {"light_client"}
    # Other classes keep their defining module (their string annotations resolve there).
    assert light_client.RawResponse.__module__ == "light_client._runtime.response"


def test_traceback_names_the_public_error_class() -> None:
    error = light_client.NotFoundError(
        response=httpx.Response(404, request=httpx.Request("PATCH", "https://light.test/x")),
        error_type="NOT_FOUND",
        message="no such customer",
        errors=[],
        attempts=1,
    )
    last_line = traceback.format_exception_only(error)[-1]
    assert last_line.startswith("light_client.NotFoundError: ")


async def test_extra_body_sends_fields_the_sdk_does_not_know(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    await light.update_customer(
        name="Acme", extra_body={"preferredLanguage": "da", "tags": ["a", None]}
    )
    (request,) = httpx_mock.get_requests()
    assert request.content == b'{"name":"Acme","preferredLanguage":"da","tags":["a",null]}'


@pytest.mark.parametrize(
    ("key", "keyword"), [("vatNumber", "vat_number"), ("vat_number", "vat_number")]
)
async def test_extra_body_refuses_a_known_field(
    light: Light, httpx_mock: HTTPXMock, key: str, keyword: str
) -> None:
    with pytest.raises(ValueError) as caught:
        await light.update_customer(name="Acme", extra_body={key: "DK1"})
    assert str(caught.value) == (
        f"extra_body: {key!r} is a field of UpdateCustomerRequest; pass it as {keyword}=... instead"
    )
    assert httpx_mock.get_requests() == []


async def test_list_fields_take_any_sequence(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    emails: list[str] = ["ap@example.com"]
    await light.update_customer(
        cc_emails=("a@example.com", "b@example.com"), recipient_emails=emails
    )
    (request,) = httpx_mock.get_requests()
    assert request.content == (
        b'{"recipientEmails":["ap@example.com"],"ccEmails":["a@example.com","b@example.com"]}'
    )


async def test_a_string_for_a_list_field_is_an_error(light: Light) -> None:
    # A str is a Sequence[str] to a type checker: the runtime refuses it, naming the field.
    with pytest.raises(ValueError, match=r"cc_emails must be a list \(or a tuple\), not a string"):
        await light.update_customer(cc_emails="a@example.com")


async def test_an_unknown_keyword_names_the_closest_field(light: Light) -> None:
    """An unknown keyword lands in the method's ``**unknown`` and the runtime names the
    closest field, as it did when every method took ``**params``; nothing is sent."""
    with pytest.raises(
        TypeError, match=r"UpdateCustomerRequest has no field 'nmae'; did you mean 'name'\?"
    ):
        await light.update_customer(nmae="Acme")
    with pytest.raises(TypeError, match="has no field 'vatNumber'; did you mean 'vat_number'"):
        await light.update_customer(vatNumber="DK1")


async def test_an_answer_reads_absent_and_null_as_none(light: Light, httpx_mock: HTTPXMock) -> None:
    answer = {key: value for key, value in CUSTOMER.items() if key != "vatNumber"}
    httpx_mock.add_response(json={**answer, "email": None})
    customer = await light.update_customer(name="Acme")
    assert (customer.vat_number, customer.email) == (None, None)
    assert "email" in customer.fields_present()
    assert "vat_number" not in customer.fields_present()
    assert set(customer.to_dict()) == set(answer)  # what the answer had, the null included
    assert customer.to_dict()["email"] is None
