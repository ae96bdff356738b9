"""The SDK's own connection pools: httpx clients that keep no cookies.

Light authenticates every request by its ``Authorization`` header; nothing it does needs a
cookie. An httpx client keeps the cookies of every answer and sends them with every later
request, to any credential that shares the pool: a ``with_options(api_key=...)`` copy, or a
tenant's client in a multi-tenant service. So the pools the SDK makes for itself keep none, as
httpx's maintainers suggest for a shared client (encode/httpx#2992). It also saves what
httpx spends on every answer to look for cookies (a urllib request and an email message built
per answer: about 40 µs of CPU per call on the machine of ``make bench``). A client given as
``http_client=`` is the caller's, cookies and all.

These pools also build the SDK's requests in fewer steps than httpx's ``build_request``, which
normalises every header twice over and scans the list once per header it merges: for what the
SDK sends (a bytes body to an absolute URL, nothing to merge but the client's default headers)
they build the same request, header for header, at 60% of the cost (-170k instructions per
call). Anything else goes through httpx's own ``build_request``.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # httpx's own base of Client and AsyncClient, for the mixin's types
    import asyncio

    from httpx._client import BaseClient as _HttpxClient
else:
    _HttpxClient = object

__all__ = ["LIMITS", "POOL_SIZE", "async_client", "sync_client"]

# The connections of a pool the SDK makes (httpx's default number), every one kept alive:
# calls to one host at a steady rate reuse them all (httpx keeps 20, and reconnects the rest).
POOL_SIZE = 100
LIMITS = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)


class _NullCookieJar(CookieJar):
    """A jar that never holds a cookie."""

    def set_cookie(self, cookie: Cookie) -> None:
        pass

    def set_cookie_if_ok(self, cookie: Cookie, request: Any) -> None:
        pass

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass


class _NoCookies(httpx.Cookies):
    """The cookies of a pool that keeps none: always empty, and nothing read from answers."""

    def __init__(self) -> None:
        super().__init__(_NullCookieJar())

    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class _KeepsNoCookies(_HttpxClient):
    """Mixin for an httpx client class: its ``cookies`` are ``_NoCookies``, its own; its
    ``build_request`` takes the short way for the SDK's requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._no_cookies = _NoCookies()
        super().__init__(*args, **kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise AttributeError(
            "the SDK's own connection pool keeps no cookies: pass a Cookie header in "
            "default_headers=, or your own http_client="
        )

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        if (
            isinstance(content, bytes)
            and content
            and data is files is json is params is cookies is None
            and not self.params
        ):
            request_url = httpx.URL(url)
            if request_url.is_absolute_url:  # a relative one is joined to the base_url
                return _bytes_request(
                    self, method, request_url, content, headers, timeout, extensions
                )
        return super().build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )


def _bytes_request(
    client: _HttpxClient,
    method: str,
    url: httpx.URL,
    content: bytes,
    headers: Any,
    timeout: Any,
    extensions: Mapping[str, Any] | None,
) -> httpx.Request:
    """The request ``client.build_request`` gives for a non-empty bytes body to an absolute URL,
    with no params or cookies, on a client without params (its cookies are ``_NoCookies``,
    always empty), for ASCII header names: built in one pass.

    httpx merges the client's headers with the given ones (a name given replaces the client's,
    whatever its case), then ``Request`` adds ``Host`` first and ``Content-Length`` last, each
    unless present. tests/runtime/test_pools.py checks the two against each other.
    """
    own = httpx.Headers(headers).raw
    own_names = {name.lower() for name, _ in own}
    pairs = [(name, value) for name, value in client.headers.raw if name.lower() not in own_names]
    pairs += own
    names = {name.lower() for name, _ in pairs}
    if b"content-length" not in names:
        pairs.append((b"Content-Length", str(len(content)).encode("ascii")))
    if b"host" not in names and url.host:
        pairs.insert(0, (b"Host", url.netloc))
    extensions = {} if extensions is None else extensions
    if "timeout" not in extensions:
        use_default = isinstance(timeout, type(httpx.USE_CLIENT_DEFAULT))  # as httpx tests it
        timeout = client.timeout if use_default else httpx.Timeout(timeout)
        extensions = {**extensions, "timeout": timeout.as_dict()}
    request = httpx.Request(
        method, url, headers=pairs, stream=httpx.ByteStream(content), extensions=extensions
    )
    request.read()  # as Request does for a body given whole: .content is there at once
    return request


class _SyncClient(_KeepsNoCookies, httpx.Client):
    pass


class _AsyncClient(_KeepsNoCookies, httpx.AsyncClient):
    """The default async pool. Its sends pass one gate of ``POOL_SIZE`` places first (the
    driver's ``light_gate``): httpcore's pool rescans every request queued for a connection
    each time one frees, so with a thousand tenants' calls queued in it each call cost tens of
    milliseconds of CPU (42 req/s at 500 tenants). In the gate they queue in order, at no cost,
    and httpcore never has more than it has connections for."""

    _gate: asyncio.Semaphore | None = None

    def light_gate(self) -> asyncio.Semaphore:
        if self._gate is None:
            import asyncio  # on first use: `import light_client` does not load asyncio

            self._gate = asyncio.Semaphore(POOL_SIZE)
        return self._gate


def sync_client(timeout: httpx.Timeout) -> httpx.Client:
    return _SyncClient(timeout=timeout)


def async_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    return _AsyncClient(timeout=timeout, limits=LIMITS)
