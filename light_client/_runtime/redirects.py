"""Which redirects a call follows, and what it says of one it does not."""

from __future__ import annotations

import httpx

from .._core.checks import shorten

__all__ = ["redirect_note", "redirected", "same_origin"]


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def redirected(request: httpx.Request, response: httpx.Response) -> httpx.Request | None:
    """The request to send for a redirect, or ``None`` when it must not be followed.

    The method and body are always kept: a PATCH is never turned into a GET, which would report
    the resource as it is instead of applying the update. So 303 See Other (whose meaning is
    "now GET this") is not followed. Credentials go to the same origin only.
    """
    location = response.headers.get("location")
    if response.status_code not in (301, 302, 307, 308) or not location:
        return None
    url = request.url.join(location)
    if url.scheme not in ("http", "https") or (request.url.scheme == "https" != url.scheme):
        return None  # never downgrade: the body (and its data) would go out in clear text
    headers = httpx.Headers(request.headers)
    del headers["host"]
    if not same_origin(url, request.url):
        headers.pop("authorization", None)
        headers.pop("cookie", None)
    return httpx.Request(
        request.method,
        url,
        headers=headers,
        content=request.content,
        extensions=request.extensions,
    )


def redirect_note(response: httpx.Response) -> str:
    """Why a redirect answer was not followed, for its error."""
    location = shorten(response.headers.get("location", "(no Location)"), 200)
    if response.request.url.scheme == "https" and location.startswith("http:"):
        why = "it leads from https to http, where the body would travel in clear text"
    else:
        why = "it would change the method or drop the body"
    return (
        f"the server redirected the {response.request.method} with {response.status_code} to "
        f"{location}, which the SDK does not follow ({why}); the update was not sent there"
    )
