"""Cursor pagination, as Light's list operations define it.

The first request sends ``cursor=0``; each answer holds ``records``, ``hasMore`` and
``nextCursor`` (opaque). The next page is asked for with the same parameters and that cursor,
while ``hasMore`` is true and the cursor is a non-empty string; a null cursor, an empty page or a
cursor already seen ends the listing (a server that repeats itself must not loop the client
forever). ``offset`` is deprecated and never sent.

Every page goes through the client's request path: its rate limit, retries and validation.
Only one page is held at a time, so a long listing runs in flat memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .._core.log import logger
from .._core.types import Unset
from .operation import AsyncRequester, Operation, SyncRequester
from .response import RawResponse

__all__ = ["AsyncPaginator", "Page", "SyncPaginator"]

T = TypeVar("T")
# Light's first cursor: "provide `0` for the initial request".
FIRST_CURSOR = "0"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its ``records`` and where the list goes on.

    ``has_more`` and ``next_cursor`` / ``prev_cursor`` (``None``: there is none) as the server
    said; ``envelope`` is the whole answer as its generated model, with any field a list adds
    (a total, a balance); ``raw`` the HTTP answer it came in.
    """

    records: list[T]
    has_more: bool
    next_cursor: str | None
    prev_cursor: str | None
    envelope: Any
    raw: RawResponse[Any]

    @classmethod
    def of(cls, raw: RawResponse[Any]) -> Page[Any]:
        """The page of an answer; a list without cursors (``{total, records, balance}``) is
        one page, with no more after it."""
        envelope = raw.parsed
        records = envelope.records
        return cls(
            records=[] if isinstance(records, Unset) else list(records),
            has_more=getattr(envelope, "has_more", False) is True,
            next_cursor=_text(getattr(envelope, "next_cursor", None)),
            prev_cursor=_text(getattr(envelope, "prev_cursor", None)),
            envelope=envelope,
            raw=raw,
        )

    def __iter__(self) -> Iterator[T]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def _has_cursor(operation: Operation[Any]) -> bool:
    """Whether the list is paged by cursor; one without (``listBankTransactions``) is one page."""
    return any(parameter.name == "cursor" for parameter in operation.query_parameters)


def _with_cursor(operation: Operation[Any], params: dict[str, Any], cursor: str) -> dict[str, Any]:
    """The page's keywords: ``params`` and the cursor, for a list that has one."""
    return {**params, "cursor": cursor} if _has_cursor(operation) else params


def _first_cursor(params: Mapping[str, Any]) -> str:
    """The cursor of the first page: the one given as ``cursor=``, else the start (a method
    passes ``cursor=None`` when none is given)."""
    cursor = params.get("cursor")
    return FIRST_CURSOR if cursor is None else str(cursor)


def _next_cursor(page: Page[Any], seen: set[str]) -> str | None:
    """The cursor of the page after ``page``, or ``None`` when the list ends there."""
    cursor = page.next_cursor
    if not page.has_more or cursor is None or not page.records:
        return None
    if cursor in seen:
        logger.warning("the server sent cursor %r again: the listing stops there", cursor)
        return None
    seen.add(cursor)
    return cursor


class AsyncPaginator(Generic[T]):
    """What a list method of ``LightClient`` returns: await it for the first page, iterate it
    for every record of every page, or ``iter_pages()`` for the pages.

    Example::

        async for customer in light.customers.list(filter="status:eq:ACTIVE", limit=200):
            ...
        page = await light.customers.list(limit=10)  # .records, .has_more, .next_cursor
    """

    def __init__(
        self,
        request: AsyncRequester,
        operation: Operation[Any],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
    ) -> None:
        self._request, self._operation = request, operation
        self._path_arguments, self._params = path_arguments, dict(params)

    async def _page(self, cursor: str) -> Page[T]:
        raw = await self._request(
            self._operation,
            self._path_arguments,
            _with_cursor(self._operation, self._params, cursor),
        )
        return Page.of(raw)

    def first_page(self) -> Awaitable[Page[T]]:
        """The first page (the cursor given as ``cursor=``, if any, else the start)."""
        return self._page(_first_cursor(self._params))

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()

    async def iter_pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, fetched when the one before is done with."""
        cursor: str | None = _first_cursor(self._params)
        seen: set[str] = {cursor} if cursor else set()
        while cursor is not None:
            page = await self._page(cursor)
            yield page
            cursor = _next_cursor(page, seen) if _has_cursor(self._operation) else None

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for record in page.records:
                yield record


class SyncPaginator(Generic[T]):
    """What a list method of ``SyncLightClient`` returns: iterate it for every record of every
    page, ``first_page()`` for the first, or ``iter_pages()`` for the pages."""

    def __init__(
        self,
        request: SyncRequester,
        operation: Operation[Any],
        path_arguments: tuple[object, ...],
        params: Mapping[str, Any],
    ) -> None:
        self._request, self._operation = request, operation
        self._path_arguments, self._params = path_arguments, dict(params)

    def _page(self, cursor: str) -> Page[T]:
        raw = self._request(
            self._operation,
            self._path_arguments,
            _with_cursor(self._operation, self._params, cursor),
        )
        return Page.of(raw)

    def first_page(self) -> Page[T]:
        """The first page (the cursor given as ``cursor=``, if any, else the start)."""
        return self._page(_first_cursor(self._params))

    def iter_pages(self) -> Iterator[Page[T]]:
        """Each page in turn, fetched when the one before is done with."""
        cursor: str | None = _first_cursor(self._params)
        seen: set[str] = {cursor} if cursor else set()
        while cursor is not None:
            page = self._page(cursor)
            yield page
            cursor = _next_cursor(page, seen) if _has_cursor(self._operation) else None

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.records
