"""Every shape of operation the generator writes, sent and read by the runtime: JSON-array and
form bodies, header and date parameters, list, bytes and no-content answers, downloads into a
file, and a list that Light answers in one page.

Light's whole document has each of these (``make conformance`` generates and calls all 181
operations); here each is an ``Operation`` literal as the generator writes it, over the models
of openapi.yaml, so the exact bytes and headers can be asserted.
"""

from __future__ import annotations

import asyncio
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    LightClient,
    NotFoundError,
    ResponseTooLargeError,
    ResponseValidationError,
    SyncLightClient,
)
from light_client._generated.models import Customer, CustomerPage, UpdateCustomerRequest
from light_client._runtime.download import adownload, download
from light_client._runtime.operation import (
    HeaderParameter,
    Operation,
    PathParameter,
    QueryParameter,
    list_of,
    no_content,
)
from light_client._runtime.pagination import AsyncPaginator, SyncPaginator
from light_client._runtime.response import RawResponse
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID, Kind, Light
from tests.conftest import API_KEY, load_json

BASE = "https://api.light.inc"
CUSTOMER = load_json("seed_customer_response.json")
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40  # 10 KB and 9 bytes, not text
THING = PathParameter("thing_id", "thingId", "uuid")

LIST = Operation(
    operation_id="getThings",
    method="GET",
    path="/v1/things",
    path_parameters=(),
    body_type=None,
    body_schema=None,
    content_type=None,
    parse=list_of(Customer.from_dict),
    answer_schema="Customer[]",
    answer_kind="list",
)
DOCUMENT = Operation(
    operation_id="getThingDocument",
    method="GET",
    path="/v1/things/{thingId}/document",
    path_parameters=(THING,),
    body_type=None,
    body_schema=None,
    content_type=None,
    parse=bytes,
    answer_schema=None,
    answer_kind="bytes",
    accept="application/pdf",
)
DELETE_LINE = Operation(
    operation_id="deleteThingLine",
    method="DELETE",
    path="/v1/things/{thingId}/lines/{lineId}",
    path_parameters=(THING, PathParameter("line_id", "lineId", "uuid")),
    body_type=None,
    body_schema=None,
    content_type=None,
    parse=no_content,
    answer_schema=None,
    answer_kind="none",
)
BATCH = Operation(
    operation_id="batchUpdateThings",
    method="PATCH",
    path="/v1/things/batch-update",
    path_parameters=(),
    body_type=UpdateCustomerRequest,
    body_schema="UpdateCustomerRequest",
    content_type="application/json;charset=UTF-8",
    parse=no_content,
    answer_schema=None,
    answer_kind="none",
    body_kind="json-array",
)
FORM = Operation(
    operation_id="postThingForm",
    method="POST",
    path="/oauth/things",
    path_parameters=(),
    body_type=UpdateCustomerRequest,
    body_schema="UpdateCustomerRequest",
    content_type="application/x-www-form-urlencoded",
    parse=no_content,
    answer_schema=None,
    answer_kind="none",
    body_kind="form",
)
BALANCE = Operation(
    operation_id="getThingBalance",
    method="GET",
    path="/v1/things/{thingId}/balance",
    path_parameters=(THING,),
    body_type=None,
    body_schema=None,
    content_type=None,
    parse=Customer.from_dict,
    answer_schema="Customer",
    query_parameters=(QueryParameter("as_of", "asOf"),),
    header_parameters=(HeaderParameter("tenant", "X-Tenant"),),
)
ONE_PAGE = Operation(
    operation_id="listThingTransactions",
    method="GET",
    path="/v1/things/{thingId}/transactions",
    path_parameters=(THING,),
    body_type=None,
    body_schema=None,
    content_type=None,
    parse=CustomerPage.from_dict,
    answer_schema="CustomerPage",
    query_parameters=(QueryParameter("limit", "limit"),),
    answer_kind="page",
)


async def call(
    light: Light, operation: Operation[Any], args: tuple[object, ...] = (), **params: Any
) -> RawResponse[Any]:
    """The runtime's own request path, as a generated method takes it."""
    client = light.client
    if isinstance(client, LightClient):
        return await client._request(operation, args, params)
    return client._request(operation, args, params)


async def save(light: Light, operation: Operation[Any], args: tuple[object, ...], file: Any) -> int:
    client = light.client
    if isinstance(client, LightClient):
        return await adownload(client._request, operation, args, {}, file)
    assert isinstance(client, SyncLightClient)
    return download(client._request, operation, args, {}, file)


@pytest.fixture
def light(kind: Kind, frozen: FakeClock) -> Light:
    return Light(
        kind, api_key=API_KEY, clock=frozen, max_retries=1, strict_response_validation=True
    )


async def test_a_json_array_answer_is_a_list_of_models(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/v1/things", json=[CUSTOMER, CUSTOMER])
    raw = await call(light, LIST)
    await light.close()
    assert [type(item) for item in raw.parsed] == [Customer, Customer]
    assert raw.parsed[1].id == CUSTOMER_ID
    assert httpx_mock.get_requests()[0].headers["Accept"] == "application/json"


async def test_an_array_item_off_the_schema_is_named_by_its_index(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=[CUSTOMER, {**CUSTOMER, "name": 5}], is_reusable=True)
    with pytest.raises(ResponseValidationError) as caught:
        await call(light, LIST)
    assert caught.value.path == "[1].name"
    lenient = await call(light, LIST, strict_response_validation=False)
    await light.close()
    assert lenient.problems == ("[1].name: 5 is not of type 'string'",)
    assert lenient.parsed[1].name == 5


async def test_an_object_where_an_array_belongs_is_refused(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    with pytest.raises(ResponseValidationError) as caught:
        await call(light, LIST)
    await light.close()
    assert caught.value.path is None  # the whole body
    message = str(caught.value).removeprefix("unexpected response from /v1/things: ")
    assert message.startswith("{'id': ")  # the value, cut to 100 characters, then the problem
    assert message.endswith(" more characters) is not of type 'array'")


async def test_a_document_is_bytes_asked_for_by_its_media_type_under_its_own_limit(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    # The PDF is larger than the JSON limit and within the download limit.
    light = Light(
        kind, api_key=API_KEY, clock=frozen, max_response_bytes=1000, max_download_bytes=20_000
    )
    httpx_mock.add_response(
        url=f"{BASE}/v1/things/{CUSTOMER_ID}/document",
        content=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    raw = await call(light, DOCUMENT, (CUSTOMER_ID,))
    assert raw.parsed == PDF and raw.problems == ()
    assert httpx_mock.get_requests()[0].headers["Accept"] == "application/pdf"
    httpx_mock.add_response(content=PDF * 2, headers={"Content-Type": "application/pdf"})
    with pytest.raises(ResponseTooLargeError):
        await call(light, DOCUMENT, (CUSTOMER_ID,))
    await light.close()


async def test_a_document_into_a_path_is_whole_or_absent(
    light: Light, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    target = tmp_path / "credit-note.pdf"
    # The first attempt fails with a JSON error (kept out of the file), the second succeeds.
    httpx_mock.add_response(status_code=503, json={"type": "UNAVAILABLE", "message": "later"})
    httpx_mock.add_response(content=PDF, headers={"Content-Type": "application/pdf"})
    assert await save(light, DOCUMENT, (CUSTOMER_ID,), target) == len(PDF)
    assert target.read_bytes() == PDF
    httpx_mock.add_response(status_code=404, json={"type": "NOT_FOUND", "message": "gone"})
    missing = tmp_path / "missing.pdf"
    with pytest.raises(NotFoundError):
        await save(light, DOCUMENT, (CUSTOMER_ID,), missing)
    await light.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["credit-note.pdf"]  # noqa: ASYNC240


async def test_a_document_into_an_open_file_replaces_what_it_held(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    file = io.BytesIO(b"an older, longer content " * 1000)
    httpx_mock.add_response(content=PDF, headers={"Content-Type": "application/pdf"})
    assert await save(light, DOCUMENT, (CUSTOMER_ID,), file) == len(PDF)
    await light.close()
    assert file.getvalue() == PDF


async def test_no_content_is_none_and_a_body_stays_on_the_raw_answer(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    line = "0e9b7c8a-1111-4222-8333-444455556666"
    httpx_mock.add_response(
        method="DELETE", url=f"{BASE}/v1/things/{CUSTOMER_ID}/lines/{line}", content=b""
    )
    httpx_mock.add_response(method="DELETE", json={"deleted": True})
    assert (await call(light, DELETE_LINE, (CUSTOMER_ID, line))).parsed is None
    raw = await call(light, DELETE_LINE, (CUSTOMER_ID, line))
    await light.close()
    assert raw.parsed is None and raw.json() == {"deleted": True}


async def test_a_json_array_body_is_sent_exactly(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", content=b"")
    items = [UpdateCustomerRequest(name="Acme"), {"email": None, "vat_number": "DK1"}]
    await call(light, BATCH, body=items)
    await light.close()
    request = httpx_mock.get_requests()[0]
    assert request.content == b'[{"name":"Acme"},{"email":null,"vatNumber":"DK1"}]'
    assert request.headers["Content-Type"] == "application/json;charset=UTF-8"


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({}, TypeError, r"^batchUpdateThings takes its items as body=\[\.\.\.\]$"),
        (
            {"body": [], "name": "x"},
            TypeError,
            r"takes its items as body=\[\.\.\.\], not \['name'\]",
        ),
        ({"body": {"name": "x"}}, TypeError, r"^body must be a list of UpdateCustomerRequest"),
        ({"body": ["x"]}, TypeError, r"^body\[0\] must be a UpdateCustomerRequest or a dict"),
        ({"body": [{"nmae": "x"}]}, TypeError, r"has no field 'nmae'; did you mean 'name'\?"),
        (
            {"body": [{"name": "a"}, {"name": 5}]},
            ValueError,
            r"^UpdateCustomerRequest\[\]: \[1\]\.name: 5 is not of type 'string'$",
        ),
        ({"body": [], "extra_body": {"x": 1}}, ValueError, "body is a JSON array"),
    ],
)
async def test_a_bad_array_body_is_refused_before_anything_is_sent(
    light: Light,
    httpx_mock: HTTPXMock,
    params: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        await call(light, BATCH, **params)
    await light.close()
    assert httpx_mock.get_requests() == []


async def test_a_form_body_is_sent_form_encoded(light: Light, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", content=b"")
    await call(light, FORM, name="Acme & Co", email="billing@acme.example")
    await light.close()
    request = httpx_mock.get_requests()[0]
    assert request.content == b"name=Acme+%26+Co&email=billing%40acme.example"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_header_and_date_parameters_travel_as_declared(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json=CUSTOMER)
    await call(light, BALANCE, (CUSTOMER_ID,), as_of=datetime.date(2026, 5, 7), tenant="acme")
    with pytest.raises(ValueError, match="X-Tenant"):
        await call(light, BALANCE, (CUSTOMER_ID,), tenant="a\r\nX-Evil: 1")
    await light.close()
    (request,) = httpx_mock.get_requests()
    assert request.url == f"{BASE}/v1/things/{CUSTOMER_ID}/balance?asOf=2026-05-07"
    assert request.headers["X-Tenant"] == "acme"


async def test_a_list_without_a_cursor_is_one_page(light: Light, httpx_mock: HTTPXMock) -> None:
    # Even if the answer says there is more: a list Light does not page has no next page.
    page = {"records": [CUSTOMER, CUSTOMER], "hasMore": True, "nextCursor": "abc"}
    httpx_mock.add_response(json=page)
    client = light.client
    if isinstance(client, LightClient):
        records = [
            r async for r in AsyncPaginator[Customer](client._request, ONE_PAGE, (CUSTOMER_ID,), {})
        ]
    else:
        records = list(
            SyncPaginator[Customer](client._request, ONE_PAGE, (CUSTOMER_ID,), {"limit": 5})
        )
    await light.close()
    assert len(records) == 2
    (request,) = httpx_mock.get_requests()
    assert "cursor" not in request.url.params


async def test_two_downloads_to_one_path_never_mix(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    target = tmp_path / "document.pdf"
    first, second = (
        Light(kind, api_key=API_KEY, clock=frozen),
        Light(kind, api_key=API_KEY, clock=frozen),
    )
    httpx_mock.add_response(content=b"A" * 30, headers={"Content-Type": "application/pdf"})
    httpx_mock.add_response(content=b"B" * 60, headers={"Content-Type": "application/pdf"})
    # Interleaved by hand: the first call's file is open while the second writes and renames.
    client = first.client
    results: list[int]
    if isinstance(client, LightClient):
        results = await asyncio.gather(
            save(first, DOCUMENT, (CUSTOMER_ID,), target),
            save(second, DOCUMENT, (CUSTOMER_ID,), target),
        )  # type: ignore[assignment]
    else:
        results = [
            await save(first, DOCUMENT, (CUSTOMER_ID,), target),
            await save(second, DOCUMENT, (CUSTOMER_ID,), target),
        ]
    await first.close()
    await second.close()
    assert sorted(results) == [30, 60]
    assert target.read_bytes() in (b"A" * 30, b"B" * 60)
    assert [p.name for p in tmp_path.iterdir()] == ["document.pdf"]  # noqa: ASYNC240


async def test_an_open_file_keeps_what_came_before_and_a_failed_call_leaves_it_as_found(
    light: Light, httpx_mock: HTTPXMock
) -> None:
    file = io.BytesIO()
    file.write(b"HEADER")
    httpx_mock.add_response(content=PDF, headers={"Content-Type": "application/pdf"})
    assert await save(light, DOCUMENT, (CUSTOMER_ID,), file) == len(PDF)
    assert file.getvalue() == b"HEADER" + PDF
    file.write(b"|")
    # Too large: the first bytes were written, then the call failed; they are taken back.
    httpx_mock.add_response(content=PDF * 10_000, headers={"Content-Type": "application/pdf"})
    with pytest.raises(ResponseTooLargeError):
        await save(light, DOCUMENT, (CUSTOMER_ID,), file)
    await light.close()
    assert file.getvalue() == b"HEADER" + PDF + b"|"


@pytest.mark.parametrize(
    ("open_file", "message"),
    [
        (lambda path: path.open("a"), "binary mode"),
        (lambda path: path.open("rb"), "writable and seekable"),
    ],
)
async def test_a_file_that_cannot_take_the_document_is_refused_before_sending(
    light: Light, httpx_mock: HTTPXMock, tmp_path: Path, open_file: Any, message: str
) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"kept")
    with open_file(path) as file, pytest.raises(TypeError, match=message):
        await save(light, DOCUMENT, (CUSTOMER_ID,), file)
    await light.close()
    assert httpx_mock.get_requests() == [] and path.read_bytes() == b"kept"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"email": None},
            r"^form field 'email' must be a string, a number or a boolean, got NoneType$",
        ),
        ({"extra_body": {"scope": ["read"]}}, r"^form field 'scope' must be .*got list$"),
    ],
)
async def test_a_form_refuses_what_a_form_cannot_carry(
    light: Light, httpx_mock: HTTPXMock, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        await call(light, FORM, **fields)
    await light.close()
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        ("", ValueError, r"^idempotency_key must not be empty or white space$"),
        ("  ", ValueError, r"^idempotency_key must not be empty or white space$"),
        ("k1", TypeError, r"^batchUpdateThings takes no idempotency_key: Light does not dedup"),
    ],
)
async def test_an_idempotency_key_that_would_do_nothing_is_refused(
    light: Light, httpx_mock: HTTPXMock, key: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await call(light, BATCH, body=[], idempotency_key=key)
    await light.close()
    assert httpx_mock.get_requests() == []
