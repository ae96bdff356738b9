"""The SDK's own connection pools: httpx clients that keep no cookies.

Light authenticates every request by its ``Authorization`` header; nothing it does needs a
cookie. An httpx client keeps the cookies of every answer and sends them with every later
request, to any credential that shares the pool: a ``with_options(api_key=...)`` copy, or a
tenant's client in a multi-tenant service. So the pools the SDK makes for itself keep none, as
httpx's maintainers suggest for a shared client (encode/httpx#2992). It also saves what
httpx spends on every answer to look for cookies (a urllib request and an email message built
per answer: about 40 µs of CPU per call on the machine of ``make bench``). A client given as
``http_client=`` is the caller's, cookies and all.
"""

from __future__ import annotations

from functools import cache
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

__all__ = ["aiohttp_client", "async_client", "sync_client"]


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


class _KeepsNoCookies:
    """Mixin for an httpx client class: its ``cookies`` are ``_NoCookies``, its own."""

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


class _SyncClient(_KeepsNoCookies, httpx.Client):
    pass


class _AsyncClient(_KeepsNoCookies, httpx.AsyncClient):
    pass


def sync_client(timeout: httpx.Timeout) -> httpx.Client:
    return _SyncClient(timeout=timeout)


def async_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    return _AsyncClient(timeout=timeout)


@cache
def _keeping_no_cookies(base: type[httpx.AsyncClient]) -> type[httpx.AsyncClient]:
    return type(base.__name__, (_KeepsNoCookies, base), {"__module__": __name__})


def aiohttp_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """``ImportError`` without the ``[aiohttp]`` extra.

    aiohttp keeps cookies in its own session, under httpx's: that session gets a jar that keeps
    none. Its pool is what httpx-aiohttp's transport makes by default (httpx's default limits,
    httpx's TLS context); the session is made on first use, in the loop that uses it.
    """
    import aiohttp  # loaded on first use
    from httpx_aiohttp import AiohttpTransport, HttpxAiohttpClient

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    ssl_context = httpx.create_ssl_context()

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            keepalive_timeout=limits.keepalive_expiry,
            ssl=ssl_context,
            limit=limits.max_connections or 0,
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    transport = AiohttpTransport(limits=limits, client=session)
    return _keeping_no_cookies(HttpxAiohttpClient)(timeout=timeout, transport=transport)
