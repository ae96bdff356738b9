"""Listing against a server that follows Light's list contract (pytest-httpx as that server)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import LightClient, Page, SyncLightClient
from light_client.models import Customer
from light_client.testing import FakeClock
from tests._harness import Kind
from tests.conftest import API_KEY

BASE_URL = "https://api.light.inc"
TOTAL = 1050
PAGE = 200


def record(n: int) -> dict[str, Any]:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "name": f"customer {n}"}


class ListServer:
    """Light's list contract: ``cursor=0`` first, an opaque next cursor while there is more."""

    def __init__(self, total: int = TOTAL) -> None:
        self.total = total
        self.queries: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        self.queries.append(query)
        start = 0 if query["cursor"] == ["0"] else int(query["cursor"][0].removeprefix("after-"))
        end = min(start + int(query.get("limit", ["50"])[0]), self.total)
        more = end < self.total
        return httpx.Response(
            200,
            json={
                "records": [record(n) for n in range(start, end)],
                "hasMore": more,
                "nextCursor": f"after-{end}" if more else None,
                "prevCursor": None,
                "billingAmountTotal": 7,  # a field some lists add: kept on the page
            },
        )


@pytest.fixture
def server(httpx_mock: HTTPXMock) -> ListServer:
    listing = ListServer()
    httpx_mock.add_callback(listing, method="GET", is_reusable=True)
    return listing


def client(kind: Kind, frozen: FakeClock) -> LightClient | SyncLightClient:
    options: dict[str, Any] = {"api_key": API_KEY, "clock": frozen}
    return LightClient(**options) if kind == "async" else SyncLightClient(**options)


async def all_records(light: LightClient | SyncLightClient, **params: Any) -> list[Customer]:
    if isinstance(light, LightClient):
        return [customer async for customer in light.customers.list(**params)]
    return list(light.customers.list(**params))


async def test_every_record_once_in_order_and_the_parameters_on_every_page(
    kind: Kind, frozen: FakeClock, server: ListServer
) -> None:
    light = client(kind, frozen)
    customers = await all_records(light, filter="status:eq:ACTIVE", sort="name:asc", limit=PAGE)
    assert [customer.name for customer in customers] == [f"customer {n}" for n in range(TOTAL)]
    assert all(isinstance(customer, Customer) for customer in customers)
    assert len(server.queries) == 6  # 5 pages of 200 and one of 50
    assert server.queries[0]["cursor"] == ["0"]
    assert [q["cursor"] for q in server.queries[1:]] == [
        [f"after-{n}"] for n in range(200, 1001, 200)
    ]
    for query in server.queries:
        assert query["filter"] == ["status:eq:ACTIVE"] and query["sort"] == ["name:asc"]
        assert query["limit"] == ["200"] and "offset" not in query


async def test_the_first_page_and_the_pages(
    kind: Kind, frozen: FakeClock, server: ListServer
) -> None:
    light = client(kind, frozen)
    if isinstance(light, LightClient):
        page = await light.customers.list(limit=10)
        pages = [p async for p in light.customers.list(limit=400).iter_pages()]
    else:
        page = light.customers.list(limit=10).first_page()
        pages = list(light.customers.list(limit=400).iter_pages())
    assert isinstance(page, Page)
    assert (len(page.records), page.has_more, page.next_cursor, page.prev_cursor) == (
        10,
        True,
        "after-10",
        None,
    )
    assert page.envelope.additional_properties == {"billingAmountTotal": 7}
    assert page.raw.status_code == 200
    assert [len(p) for p in pages] == [400, 400, 250]
    assert [q["cursor"] for q in server.queries] == [["0"], ["0"], ["after-400"], ["after-800"]]


@pytest.mark.parametrize(
    ("answers", "pages"),
    [
        # The same cursor again: the listing stops rather than loop.
        ([("c1", True), ("c1", True), ("c1", True)], 2),
        # "More" with no cursor to get it by: stop.
        ([(None, True)], 1),
        # "More", but an empty page: stop.
        ([("c1", True, 0)], 1),
    ],
)
async def test_a_server_that_misleads_is_stopped(
    kind: Kind,
    frozen: FakeClock,
    httpx_mock: HTTPXMock,
    caplog: pytest.LogCaptureFixture,
    answers: list[tuple[Any, ...]],
    pages: int,
) -> None:
    scripted: Iterator[tuple[Any, ...]] = iter(answers)

    def misleading(request: httpx.Request) -> httpx.Response:
        cursor, more, *count = next(scripted)
        records = [record(n) for n in range(count[0] if count else 2)]
        return httpx.Response(200, json={"records": records, "hasMore": more, "nextCursor": cursor})

    httpx_mock.add_callback(misleading, is_reusable=True)
    with caplog.at_level(logging.WARNING, logger="light_client"):
        await all_records(client(kind, frozen))
    assert len(httpx_mock.get_requests()) == pages
    if pages == 2:
        assert "the server sent cursor 'c1' again" in caplog.text
