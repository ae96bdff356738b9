"""The escape hatch: ``light.get/post/put/patch/delete(path, ...)`` through the client's own path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import APITimeoutError, LightClient, NotFoundError, SyncLightClient
from light_client.testing import FakeClock
from tests._harness import Kind
from tests.conftest import API_KEY

BASE_URL = "https://api.light.inc"


def client(kind: Kind, frozen: FakeClock) -> LightClient | SyncLightClient:
    return (LightClient if kind == "async" else SyncLightClient)(api_key=API_KEY, clock=frozen)


async def call(light: LightClient | SyncLightClient, method: str, *args: Any, **kw: Any) -> Any:
    result = getattr(light, method)(*args, **kw)
    return await result if isinstance(light, LightClient) else result


async def test_the_exact_request_and_the_parsed_answer(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"records": [], "hasMore": False, "extra": [1, 2]})
    light = client(kind, frozen)
    answer = await call(
        light,
        "post",
        "/v1/products/search",
        json=[{"name": "Æble"}],
        params={"include": ["lines", "tax"], "limit": 5, "archived": False, "skip": None},
        idempotency_key="search-1",
    )
    assert answer == {"records": [], "hasMore": False, "extra": [1, 2]}
    (request,) = httpx_mock.get_requests()
    assert request.method == "POST"
    assert str(request.url) == (
        f"{BASE_URL}/v1/products/search?include=lines&include=tax&limit=5&archived=false"
    )
    assert request.content == '[{"name":"Æble"}]'.encode()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Basic {API_KEY}"
    assert request.headers["X-Idempotency-Key"] == "search-1"


async def test_an_empty_answer_is_none_and_an_error_is_typed(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(status_code=204)
    httpx_mock.add_response(status_code=404, json={"type": "NOT_FOUND", "message": "no such"})
    light = client(kind, frozen)
    assert await call(light, "delete", "/v1/attachments/a1") is None
    with pytest.raises(NotFoundError, match="no such"):
        await call(light, "get", "/v1/attachments/a1")
    assert [r.method for r in httpx_mock.get_requests()] == ["DELETE", "GET"]
    assert "X-Idempotency-Key" not in httpx_mock.get_requests()[0].headers


async def test_a_get_is_retried_a_post_without_a_key_is_not(
    kind: Kind, frozen: FakeClock, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_response(json={"ok": True})
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    light = client(kind, frozen)
    assert await call(light, "get", "/v1/products") == {"ok": True}
    with pytest.raises(APITimeoutError, match="not resent"):
        await call(light, "post", "/v1/products", json={"name": "x"})
    assert [r.method for r in httpx_mock.get_requests()] == ["GET", "GET", "POST"]


@pytest.mark.parametrize(
    "path", ["https://evil.example/v1/x", "//evil.example/v1", "v1/products", "/v1/a b", "/v1?x=1"]
)
async def test_a_path_that_is_not_one_on_the_base_url_is_refused(
    kind: Kind, frozen: FakeClock, path: str
) -> None:
    with pytest.raises(ValueError, match=r"^path must"):
        await call(client(kind, frozen), "get", path)
