"""The SDK's own pools build exactly the request httpx's ``build_request`` builds."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from light_client._runtime import pools as _http

# Header names that collide with httpx's defaults and the auto headers, in several cases.
NAMES = st.sampled_from(
    [
        "Accept",
        "accept",
        "ACCEPT-ENCODING",
        "Connection",
        "User-Agent",
        "Host",
        "content-length",
        "Content-Type",
        "Transfer-Encoding",
        "Authorization",
        "X-Idempotency-Key",
        "x-idempotency-key",
    ]
)
VALUES = st.text(alphabet="abcXYZ019 ;=/-*", max_size=12)
HEADERS = st.one_of(
    st.none(),
    st.dictionaries(NAMES, VALUES, max_size=6),
    st.lists(st.tuples(NAMES, VALUES), max_size=6),  # repeated names too
)
URLS = st.sampled_from(
    [
        "https://api.light.inc/v1/customers/3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "http://127.0.0.1:8080/v1/customer-credits/x?a=1",
        "https://user:pw@example.com:8443/p%20q",
        "http://[::1]:9/",
        "/v1/customers/relative",  # joined to the base_url: httpx's own way
    ]
)
BODIES = st.one_of(st.binary(max_size=40), st.none(), st.just("text"))
TIMEOUTS = st.sampled_from([httpx.USE_CLIENT_DEFAULT, 5.0, None, httpx.Timeout(1.0, connect=2.0)])
EXTENSIONS = st.sampled_from([None, {}, {"trace": None}, {"timeout": {"read": 1.0}}])


@cache
def pool_of(make: Any) -> Any:
    """One pool of each kind for all examples: a pool is not cheap to make."""
    return make(httpx.Timeout(3.0))


def parts(request: httpx.Request) -> tuple[Any, ...]:
    return (
        request.method,
        request.url,
        request.headers.raw,
        request.extensions,
        request.content,
        type(request.stream),
    )


@pytest.mark.parametrize("pool", [_http.sync_client, _http.async_client])
@given(
    method=st.sampled_from(["PATCH", "patch", "GET", "POST"]),
    url=URLS,
    content=BODIES,
    headers=HEADERS,
    defaults=st.dictionaries(NAMES, VALUES, max_size=3),
    timeout=TIMEOUTS,
    extensions=EXTENSIONS,
)
def test_a_pool_builds_what_httpx_builds(
    pool: Any,
    method: str,
    url: str,
    content: bytes | str | None,
    headers: Any,
    defaults: dict[str, str],
    timeout: Any,
    extensions: Any,
) -> None:
    client = pool_of(pool)
    client.base_url = "https://base.example/root/"
    client.headers = defaults  # httpx's own defaults, then these
    ours = client.build_request(
        method, url, content=content, headers=headers, timeout=timeout, extensions=extensions
    )
    httpx_own = httpx.Client.build_request(
        client,
        method,
        url,
        content=content,
        headers=headers,
        timeout=timeout,
        extensions=extensions,
    )
    assert parts(ours) == parts(httpx_own)


def test_the_short_way_is_taken_for_the_sdk_requests() -> None:
    # A bytes body to an absolute URL: built without httpx's merge (which would call
    # Headers.update); the result is what httpx's build_request gives.
    client = _http.sync_client(httpx.Timeout(3.0))
    calls: list[object] = []
    original = httpx.Headers.update

    def counting(self: httpx.Headers, headers: Any = None) -> None:
        calls.append(headers)
        original(self, headers)

    arguments: dict[str, Any] = {
        "content": b'{"name":"Acme"}',
        "headers": {"Accept": "application/json", "Authorization": "Basic k"},
    }
    url = "https://api.light.inc/v1/customers/3c90c3cc-0d44-4b50-8888-8dd25736052a"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.Headers, "update", counting)
        ours = client.build_request("PATCH", url, **arguments)
        assert calls == []
        httpx_own = httpx.Client.build_request(client, "PATCH", url, **arguments)
        assert len(calls) == 1
    assert parts(ours) == parts(httpx_own)
    assert ours.headers.raw == [
        (b"Host", b"api.light.inc"),
        (b"Accept-Encoding", httpx.Client().headers["Accept-Encoding"].encode()),
        (b"Connection", b"keep-alive"),
        (b"User-Agent", f"python-httpx/{httpx.__version__}".encode()),
        (b"Accept", b"application/json"),
        (b"Authorization", b"Basic k"),
        (b"Content-Length", b"15"),
    ]
    # Query parameters on the client: httpx's own way, which merges them.
    client.params = httpx.QueryParams({"a": "1"})
    assert client.build_request("PATCH", url, **arguments).url.query == b"a=1"
