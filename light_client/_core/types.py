"""Sentinels and per-call options.

Three values mean three different things in this SDK:

- ``UNSET`` (a request field's default): leave the field out of the PATCH body, so the server
  keeps its current value. ``light.customers.update(id, email=UNSET)`` changes nothing.
- ``None`` (for a request field): send JSON ``null``, which clears the field on the server.
- ``NOT_GIVEN`` (a per-call option's default, e.g. ``timeout`` or ``max_retries``): use the
  client's own setting. It exists because ``None`` is a meaningful option value
  (``timeout=None`` disables the timeout).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypedDict

import httpx

__all__ = ["NOT_GIVEN", "UNSET", "NotGiven", "RequestOptions", "TimeoutTypes", "Unset"]

TimeoutTypes = float | httpx.Timeout | None


class Unset:
    """The type of ``UNSET``: "leave this field out of the request". The generated models'
    fields default to it (their ``types`` module imports it from here)."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


class NotGiven:
    """The type of ``NOT_GIVEN``: "not passed, use the client's default"."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class RequestOptions(TypedDict, total=False):
    """Per-call options, accepted by every method next to the request's fields.

    - ``timeout``: seconds or an ``httpx.Timeout`` for the whole call, from its first send:
      every attempt, and the waits between them (``None``: no timeout).
    - ``max_retries``: how many times a failed attempt may be retried (``0``: never).
    - ``max_queue_wait``: the longest this call waits for its rate-limit slot before it is
      sent (seconds; ``None``: no bound); a longer wait is a ``RateLimitError`` at once.
    - ``extra_headers``: more headers for this call; they win over the SDK's own.
    - ``idempotency_key``: the ``X-Idempotency-Key`` to send (default: a new UUID4 per call,
      the same on each of its retries).
    - ``extra_body``: more JSON properties for the body, sent as given, for a field the API has
      and this SDK does not know yet (``extra_body={"newField": 1}``). A key that is a known
      field is a ``ValueError``: use its keyword, which is typed and checked.
    - ``strict_response_validation``: for this call, whether a 2xx answer that departs from the
      schema raises ``ResponseValidationError`` (``True``) or is returned with a warning.
    """

    timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven
    max_queue_wait: float | NotGiven | None
    strict_response_validation: bool | NotGiven
    extra_headers: Mapping[str, str] | None
    idempotency_key: str | None
    extra_body: Mapping[str, object] | None
