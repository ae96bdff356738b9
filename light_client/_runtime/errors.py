r"""The errors this SDK raises. Catch ``LightError`` for all of them::

    LightError
    ├── InvalidArgumentError        an argument's value cannot be used (also a ValueError)
    ├── MissingExtraError           a feature's extra is not installed (a ModuleNotFoundError)
    ├── TokenProviderError          the access_token provider failed or hung
    ├── ResponseTooLargeError       an answer over max_response_bytes
    ├── APIConnectionError          the request did not get an answer (DNS, refused, reset, ...)
    │   └── APITimeoutError         ... because a timeout ran out
    ├── APIStatusError              the server answered with an error status
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429
    │   └── InternalServerError         >= 500
    └── ResponseValidationError     a 2xx answer whose body is not JSON or does not fit the schema

``InvalidArgumentError`` and ``ResponseValidationError`` are also ``ValueError``\s. Messages never
contain credentials. Where an error carries the server's answer, ``content`` is its raw bytes and
``body`` the parsed JSON (``None`` when the body is not JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from .._core.checks import shorten
from .._core.errors import InvalidArgumentError, LightError, MissingExtraError

if TYPE_CHECKING:  # the generated models load with the first client, not with this module
    from .._generated.models import ErrorDetail

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "InvalidArgumentError",
    "LightError",
    "MissingExtraError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "TokenProviderError",
    "UnprocessableEntityError",
]


def _attempts_note(attempts: int) -> str:
    return f" (after {attempts} attempts)" if attempts > 1 else ""


def parsed_body(content: bytes) -> Any:
    """The JSON document ``content`` holds, or ``None`` when it is empty or not JSON."""
    try:
        return json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


class TokenProviderError(LightError):
    """The ``access_token`` provider failed, hung past the timeout, or returned no usable token."""


class APIConnectionError(LightError):
    """No answer from the server: check the network, the base URL, or try again later.

    ``outcome_unknown``: the request reached the server (or may have: a write began) and its
    answer was lost -- a reset after sending, a read timeout, a truncated or undecodable body.
    A write may then have been applied: fetch the resource, or send it again with the same
    idempotency key (a bulk run: ``--resume``), rather than as a new write. ``False``: the
    request provably never left (no connection was made).
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        attempts: int = 1,
        reason: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message + (f"; {reason}" if reason else "") + _attempts_note(attempts))
        self.request = request
        self.attempts = attempts
        self.reason = reason
        self.outcome_unknown = outcome_unknown


class APITimeoutError(APIConnectionError):
    """A timeout ran out; raise ``timeout=`` (per client or per call) if the API is slow."""


class APIStatusError(LightError):
    """The server answered with an error status.

    ``outcome_unknown``: an earlier attempt of the call was sent and its answer lost, so a
    write may have been applied although this answer is an error.

    Attributes: ``status_code``, ``headers``, ``body`` (the parsed JSON, or ``None`` when the
    body is not JSON), ``content`` (the raw bytes), and Light's error fields
    when the body has them: ``type`` (e.g. ``"BAD_REQUEST"``), ``message`` and ``errors`` (one
    ``ErrorDetail`` per problem, whose ``path`` names the offending field). ``attempts``: how
    many were sent (0: none, the SDK held the call); ``reason``: why the SDK gave up, when it
    was its decision (e.g. ``"no retries left (max_retries=2)"``).
    """

    def __init__(
        self,
        *,
        response: httpx.Response,
        error_type: str | None,
        message: str | None,
        errors: Sequence[ErrorDetail],
        attempts: int = 1,
        note: str | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.content
        self.body: Any = parsed_body(response.content)
        self.type = error_type
        self.message = message
        self.errors = list(errors)
        self.attempts = attempts
        self.reason = note
        self.outcome_unknown = False  # error_for sets it when an earlier answer was lost
        super().__init__(self._describe(note))

    def _describe(self, note: str | None) -> str:
        parts = [str(self.status_code)]
        if self.type:
            parts.append(self.type)
        text = " ".join(parts)
        details = [self.message] if self.message else []
        details += [d for d in map(_describe_detail, self.errors) if d not in details]
        if note:
            details.append(note)
        if details:
            text += ": " + "; ".join(details)
        return text + _attempts_note(self.attempts)

    @property
    def field_errors(self) -> dict[str, str]:
        """``{"address.country": "must be ...", ...}``: each error with a path, by dotted path."""
        return {
            path: str(detail.message or "")
            for detail in self.errors
            if (path := _dotted_path(detail))
        }


def _dotted_path(detail: ErrorDetail) -> str:
    """``["address", "country"]`` -> ``"address.country"``; ``""`` when there is no path."""
    return ".".join(map(str, detail.path)) if isinstance(detail.path, list) else ""


def _describe_detail(detail: ErrorDetail) -> str:
    message = detail.message if isinstance(detail.message, str) else "invalid"
    path = _dotted_path(detail)
    return f"{path}: {message}" if path else message


class BadRequestError(APIStatusError):
    """400: the request was invalid; ``errors[].path`` says which field."""


class AuthenticationError(APIStatusError):
    """401: missing or wrong API key or token."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials may not do this."""


class NotFoundError(APIStatusError):
    """404: no resource with that id (or not visible to these credentials)."""


class ConflictError(APIStatusError):
    """409: the resource changed concurrently, or the idempotency key was reused."""


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429: over Light's rate limit even after the SDK's own pacing and retries.

    ``retry_at`` (an aware UTC ``datetime``, or ``None``): when the server said the limit
    resets. After a daily limit the client holds every request until then: calls raise this
    error at once, with ``attempts == 0``, instead of sending.

    ``wait_needed`` (seconds, or ``None``): set on a call that was not sent because its slot in
    the client's rate-limit schedule was further away than ``max_queue_wait`` allows -- the
    wait it would have needed (``attempts == 0``; ``retry_at`` is when that slot was).
    """

    retry_at: datetime | None = None
    wait_needed: float | None = None


class InternalServerError(APIStatusError):
    """5xx: Light failed; the SDK retries these before raising."""


_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The error class for an HTTP status; ``APIStatusError`` for one without its own class."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


class ResponseTooLargeError(LightError):
    """The answer's body was larger than ``max_response_bytes`` (a client setting): not read.

    Light's answers are a few kilobytes; a body this large is a proxy's error page, a
    misrouted request or a hostile server. ``limit`` is the limit, ``status_code`` the status,
    ``attempts`` the attempt it came on (the call ends there: a larger answer is not retried).
    """

    attempts: int = 1

    def __init__(self, response: httpx.Response, limit: int) -> None:
        super().__init__(
            f"the answer ({response.status_code}) from {response.request.url.path} is larger "
            f"than max_response_bytes={limit}; it was not read"
        )
        self.status_code = response.status_code
        self.limit = limit


class ResponseValidationError(LightError, ValueError):
    """A successful answer the SDK cannot trust: not JSON, or not shaped as the API documents.

    ``path`` is the JSON path of the first problem (``"lines[3].grossTransactionAmount.amount"``),
    or ``None`` when the problem is the body as a whole; ``body`` is the parsed JSON (``None``
    when it is not JSON) and ``content`` the raw bytes. The update may have been applied: fetch
    the resource again before retrying it.
    """

    def __init__(
        self, message: str, *, path: str | None, response: httpx.Response, instance: Any = None
    ) -> None:
        where = f" at {shorten(path, 100)}" if path else ""
        super().__init__(
            f"unexpected response from {response.request.url.path}{where}: {shorten(message)}"
        )
        self.path = path
        self.response = response
        self.status_code = response.status_code
        self.content = response.content
        self.body: Any = parsed_body(response.content)
        self.instance = instance
