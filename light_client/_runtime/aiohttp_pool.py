"""``LightClient(transport="aiohttp")``: the SDK's own pool, sending on aiohttp directly.

The pool is an httpx ``AsyncClient`` to the rest of the SDK -- requests are built and answers
read as ``httpx.Request`` and ``httpx.Response``, errors are httpx's -- but the request flow's
driver sends through ``light_exchange``, straight to an ``aiohttp.ClientSession``: none of
httpx's send machinery (auth, redirect and hook layers, transport adapters, streams and
decoders) runs per call. With a thousand tenants in one process that machinery was most of
the SDK's cost per call (see the docs' Speed page). aiohttp decompresses (the pool asks for
gzip and deflate only, which aiohttp always reads); it keeps no cookies; its errors become
httpx's, telling apart a request that never left (``ConnectError``, ``ConnectTimeout``) from
one whose answer was lost (``ReadError``, ``ReadTimeout``, ``RemoteProtocolError``), which
is what retries and ``outcome_unknown`` rest on.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import httpx

from .pools import LIMITS, _KeepsNoCookies

__all__ = ["AiohttpPool"]

# Most specific first: the first match is the error raised.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # DNS, refused, TLS: never sent
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),  # no connection in time: never sent
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),  # sent; the answer did not come in time
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.ClientPayloadError, httpx.ReadError),  # the body broke off
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # not HTTP the client can read
    (aiohttp.ClientError, httpx.ReadError),  # disconnected or reset after the request was sent
)


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except aiohttp.ClientError as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(f"{type(exc).__name__}: {exc}", request=request) from exc
        raise  # pragma: no cover -- ClientError is the last row


_EMPTY = httpx.ByteStream(b"")


class AiohttpPool(_KeepsNoCookies, httpx.AsyncClient):
    """An httpx ``AsyncClient`` (for building requests, reading answers, closing) whose sends
    go to one ``aiohttp.ClientSession``, made on first use in the loop that uses it."""

    def __init__(self, timeout: httpx.Timeout) -> None:
        limits = LIMITS
        # The encodings aiohttp decodes without extra packages (httpx asks for br/zstd when
        # their packages are installed): an answer is never in one the pool cannot read.
        super().__init__(
            timeout=timeout,
            headers={"Accept-Encoding": "gzip, deflate"},
            transport=_Transport(self),
        )
        self._keepalive = limits.keepalive_expiry
        self._limit = limits.max_connections or 0
        self._ssl = httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                keepalive_timeout=self._keepalive, ssl=self._ssl, limit=self._limit
            )
            session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=True
            )
            # aiohttp sends a GET, PUT or DELETE again, once, when a kept-alive connection drops
            # under it -- unseen by the SDK's retry policy and rate limiter, and if that second
            # send cannot connect, a request the server read would read as never sent. The SDK
            # retries by its own rules. (aiohttp's own test client sets the same attribute.)
            session._retry_connection = False
            self._session = session
        return self._session

    @asynccontextmanager
    async def light_exchange(
        self, request: httpx.Request
    ) -> AsyncIterator[tuple[httpx.Response, AsyncIterator[bytes]]]:
        """Send ``request``: its answer's status and headers as an ``httpx.Response`` whose
        body is not read, and the body's chunks (decoded). The connection goes back to the
        pool when the block ends, or is closed if the body was not read to its end."""
        if self.is_closed:  # as httpx says it
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        timeout = request.extensions.get("timeout", {})
        started = time.perf_counter()
        with _as_httpx_errors(request):
            answer = await self.session().request(
                request.method,
                str(request.url),
                headers=_header_pairs(request.headers),
                data=request.content or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        response = httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=_EMPTY,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )
        try:
            yield response, _chunks(answer, request)
        except BaseException:
            answer.close()  # the body was not read to its end: the connection cannot be reused
            raise
        else:
            answer.release()
        finally:
            # As httpx sets it when an answer's stream closes: from the send to the body's end.
            response.elapsed = timedelta(seconds=time.perf_counter() - started)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        await super().aclose()


def _header_pairs(headers: httpx.Headers) -> list[tuple[str, str]]:
    """The headers as text pairs for aiohttp (which writes them as UTF-8): decoded as they
    were encoded. ``multi_items`` works out the encoding anew on each call, at several times
    the cost, for the ASCII the SDK's own headers are."""
    try:
        return [(name.decode("ascii"), value.decode("ascii")) for name, value in headers.raw]
    except UnicodeDecodeError:
        return headers.multi_items()


async def _chunks(answer: aiohttp.ClientResponse, request: httpx.Request) -> AsyncIterator[bytes]:
    with _as_httpx_errors(request):
        async for chunk in answer.content.iter_any():
            yield chunk


class _Transport(httpx.AsyncBaseTransport):
    """For an ``http.send`` that does not come from the SDK's driver: the same exchange,
    read whole."""

    def __init__(self, pool: AiohttpPool) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._pool.light_exchange(request) as (response, chunks):
            content = b"".join([chunk async for chunk in chunks])
        headers: Any = response.headers.multi_items()
        decoded = ("content-encoding", "content-length")  # the body is decoded: its own length
        return httpx.Response(
            response.status_code,
            headers=[(k, v) for k, v in headers if k.lower() not in decoded],
            content=content,
            request=request,
        )
