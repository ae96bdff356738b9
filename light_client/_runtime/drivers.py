"""The drivers: each performs the flow's actions with its own kind of I/O, and nothing else.

``drive_async`` awaits, ``drive_sync`` blocks; both send the flow each action's result with the
time it came, read from the client's clock. An exception while performing an action (a
cancellation, a timeout) is thrown into the flow, which may ask for more actions before it lets
it through (to give back a booked slot).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._core.clock import Clock
from ..ratelimit._limiter import RateLimiter
from . import pools
from .answers import Outcome
from .engine import Action, FetchToken, Reply, Schedule, Send
from .errors import ResponseTooLargeError
from .response import RawResponse

if TYPE_CHECKING:
    import asyncio

__all__ = ["drive_async", "drive_sync"]

ModelT = TypeVar("ModelT")


class _Body:
    """Collects a streamed body within the size limit and the call's deadline: in memory, or,
    for a successful answer of a call with a sink, into the sink (from its start)."""

    def __init__(self, action: Send, response: httpx.Response, clock: Clock) -> None:
        self.action, self.response, self.clock = action, response, clock
        self.chunks: list[bytes] = []
        self.size = 0
        self.sink = action.sink if response.is_success else None
        if self.sink is not None:  # an attempt before this one may have written part of it
            self.sink.restart()

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.action.max_bytes:  # counted decoded: a gzip bomb stops here too
            raise ResponseTooLargeError(self.response, self.action.max_bytes)
        if self.action.deadline is not None and self.clock.monotonic() > self.action.deadline:
            raise httpx.ReadTimeout(
                "the call's timeout ran out while reading the body", request=self.action.request
            )
        if self.sink is not None:
            self.sink.write(chunk)
        else:
            self.chunks.append(chunk)

    def response_read(self) -> httpx.Response:
        # What httpx's own Response.read() does with the chunks it iterates over (a body that
        # went to the sink is not kept).
        self.response._content = b"".join(self.chunks)
        self.response.is_stream_consumed = self.response.is_closed = True
        return self.response


async def _receive_async(http: httpx.AsyncClient, action: Send, clock: Clock) -> Outcome:
    import asyncio  # on first use: `import light_client` does not load asyncio

    auth = httpx.USE_CLIENT_DEFAULT if action.client_auth else None
    deadline = action.deadline
    remaining = None if deadline is None else max(deadline - clock.monotonic(), 0)
    # The SDK's aiohttp pool sends natively (aiohttp_pool.py), past httpx's send machinery.
    exchange = getattr(http, "light_exchange", None)
    try:
        async with asyncio.timeout(remaining):
            if exchange is not None:
                async with exchange(action.request) as (response, chunks):
                    body = _Body(action, response, clock)
                    async for chunk in chunks:
                        body.add(chunk)
            else:
                gate = http.light_gate() if isinstance(http, pools._AsyncClient) else None
                if gate is not None:
                    await _through(gate, action)
                try:
                    response = await http.send(
                        action.request, auth=auth, follow_redirects=False, stream=True
                    )
                    try:
                        body = _Body(action, response, clock)
                        async for chunk in response.aiter_bytes():
                            body.add(chunk)
                    finally:
                        await response.aclose()
                finally:
                    if gate is not None:
                        gate.release()
    except httpx.RequestError as exc:
        return exc
    except TimeoutError:
        return httpx.ReadTimeout("the call's timeout ran out", request=action.request)
    return body.response_read()


async def _through(gate: asyncio.Semaphore, action: Send) -> None:
    """A place in the pool's gate, within the pool timeout (``PoolTimeout``: never sent)."""
    import asyncio

    pool_timeout = action.request.extensions.get("timeout", {}).get("pool")
    try:
        async with asyncio.timeout(pool_timeout):
            await gate.acquire()
    except TimeoutError:
        raise httpx.PoolTimeout(
            "no connection of the pool was free within the pool timeout", request=action.request
        ) from None


def _receive_sync(http: httpx.Client, action: Send, clock: Clock) -> Outcome:
    auth = httpx.USE_CLIENT_DEFAULT if action.client_auth else None
    try:
        response = http.send(action.request, auth=auth, follow_redirects=False, stream=True)
        try:
            body = _Body(action, response, clock)
            for chunk in response.iter_bytes():
                body.add(chunk)
        finally:
            response.close()
    except httpx.RequestError as exc:
        return exc
    return body.response_read()


async def drive_async(
    flow: Generator[Action, Reply, RawResponse[ModelT]],
    http: httpx.AsyncClient,
    clock: Clock,
    fetch_token: Callable[[FetchToken], Awaitable[str]],
    limiter: RateLimiter,
) -> RawResponse[ModelT]:
    reply: Any = None  # the first send starts the flow
    error: BaseException | None = None
    wall, monotonic = clock.time, clock.monotonic
    try:
        while True:
            action = flow.send(reply) if error is None else flow.throw(error)
            result: Any = None
            error = None
            try:
                if isinstance(action, Send):
                    result = await _receive_async(http, action, clock)
                elif isinstance(action, Schedule):
                    result = await limiter.aapply(action.key, action.change)
                elif isinstance(action, FetchToken):
                    result = await fetch_token(action)
                else:
                    await clock.asleep(action.seconds)
            except BaseException as exc:
                error = exc
            reply = (result, wall(), monotonic())
    except StopIteration as done:
        value: RawResponse[ModelT] = done.value
        return value
    finally:
        flow.close()


def drive_sync(
    flow: Generator[Action, Reply, RawResponse[ModelT]],
    http: httpx.Client,
    clock: Clock,
    fetch_token: Callable[[FetchToken], str],
    limiter: RateLimiter,
) -> RawResponse[ModelT]:
    reply: Any = None  # the first send starts the flow
    error: BaseException | None = None
    wall, monotonic = clock.time, clock.monotonic
    try:
        while True:
            action = flow.send(reply) if error is None else flow.throw(error)
            result: Any = None
            error = None
            try:
                if isinstance(action, Send):
                    result = _receive_sync(http, action, clock)
                elif isinstance(action, Schedule):
                    result = limiter.apply(action.key, action.change)
                elif isinstance(action, FetchToken):
                    result = fetch_token(action)
                else:
                    clock.sleep(action.seconds)
            except BaseException as exc:
                error = exc
            reply = (result, wall(), monotonic())
    except StopIteration as done:
        value: RawResponse[ModelT] = done.value
        return value
    finally:
        flow.close()
