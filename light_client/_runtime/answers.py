"""What a call makes of its final answer: the parsed model, or the error to raise.

``parse_answer`` checks a 2xx answer and builds its model; ``error_for`` turns a failed attempt
and the policy's ``Raise`` into the typed error; ``held_error`` is the error of a call the client
did not send at all because the policy holds it.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import httpx

from .._core.checks import shorten
from .._core.log import logger
from .errors import (
    APIConnectionError,
    APITimeoutError,
    LightError,
    RateLimitError,
    ResponseValidationError,
    status_error_class,
)
from .operation import IDEMPOTENT_METHODS, Operation
from .policy import Raise
from .redirects import redirect_note
from .validation import parse_model, schema_problem

if TYPE_CHECKING:  # the generated models load with the first client, not at import
    from .._generated.models import ErrorDetail

__all__ = ["MAYBE_APPLIED", "error_for", "held_error", "parse_answer", "queued_error", "utc"]

ModelT = TypeVar("ModelT")
# A transport error or an HTTP answer: what one attempt ends with.
Outcome = httpx.Response | httpx.RequestError


def utc(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def parse_answer(
    operation: Operation[ModelT],
    path_values: dict[str, str],
    response: httpx.Response,
    *,
    strict: bool,
) -> tuple[ModelT, tuple[str, ...]]:
    """The model of a 2xx answer, checked against its schema, and -- where the operation says
    its answer is the resource its path addresses -- that it describes that resource; with the
    problems found, when not ``strict``.

    ``strict``: any problem is a ``ResponseValidationError``. Lenient: the answer is returned,
    parsed as far as the model can be built, with a WARNING naming each problem: a write that
    happened is not reported as a failure. A body that is not JSON, or that the model cannot be
    built from, is an error either way.
    """
    kind = operation.answer_kind
    if kind == "bytes":
        return response.content, ()  # type: ignore[return-value]  # Operation[bytes]
    if kind == "none" or (operation.answer_schema is None and not response.content):
        return None, ()  # type: ignore[return-value]  # Operation[None]; JSON with no body
    problems: list[str] | None = None if strict else []
    parsed = parse_model(operation.answer_schema, operation.parse, response, problems=problems)
    if operation.answer_id is not None:
        expected = path_values[operation.answer_id]
        answered = getattr(parsed, "id", None)
        if not isinstance(answered, UUID | str) or str(answered) != expected:
            what = "no id" if not isinstance(answered, UUID | str) else f"id {answered}"
            message = (
                f"the answer describes a resource with {what}, not {expected}: the update's "
                "result is unknown (fetch the resource before retrying)"
            )
            if problems is None:
                raise ResponseValidationError(message, path="id", response=response)
            problems.append(f"id: {message}")
    if problems:
        logger.warning(
            "%s %s: the answer departs from openapi.yaml (%s); returned as parsed "
            "(strict_response_validation=True makes this an error)",
            response.request.method,
            response.request.url.path,
            "; ".join(problems),
        )
    return parsed, tuple(problems or ())


def answer_lost(outcome: Outcome) -> bool:
    """Whether an attempt may have reached the server and its answer was lost."""
    return isinstance(outcome, httpx.RequestError) and not isinstance(outcome, NEVER_SENT)


def error_for(
    outcome: Outcome, attempts: int, decision: Raise | None = None, *, maybe_applied: bool = False
) -> LightError:
    """The error a call raises for its last attempt's ``outcome`` and the policy's reason.
    ``maybe_applied``: an earlier attempt's answer was lost (the outcome is unknown, whatever
    this one says)."""
    reason = decision.reason if decision is not None else None
    if isinstance(outcome, httpx.RequestError):
        unknown = maybe_applied or answer_lost(outcome)
        kind = (
            APITimeoutError if isinstance(outcome, httpx.TimeoutException) else APIConnectionError
        )
        return kind(
            _connection_message(outcome, unknown),
            request=outcome.request,
            attempts=attempts,
            reason=reason,
            outcome_unknown=unknown,
        )
    if outcome.is_redirect and reason is None:
        reason = redirect_note(outcome)
    error_type, message, errors = _error_fields(outcome)
    error = status_error_class(outcome.status_code)(
        response=outcome,
        error_type=error_type,
        message=message,
        errors=errors,
        attempts=attempts,
        note=reason,
    )
    if isinstance(error, RateLimitError) and decision is not None:
        error.retry_at = utc(decision.retry_at)
    error.outcome_unknown = maybe_applied
    return error


# Transport errors that prove the request never left: no connection was made, or none could
# be had from the pool. Any other may have come after the server received the request.
NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def _connection_message(outcome: httpx.RequestError, unknown: bool) -> str:
    what = f"{type(outcome).__name__}: {outcome}".removesuffix(": ")
    timed = isinstance(outcome, httpx.TimeoutException)
    if not unknown:
        return f"{'request timed out' if timed else 'connection failed'}: {what}"
    lost = (
        "request timed out after it was sent"
        if timed
        else "the answer was lost after the request was sent"
    )
    if outcome.request.method in IDEMPOTENT_METHODS:
        return f"{lost} ({what})"
    return (
        f"{lost} ({what}): the write may have been applied; fetch the resource, or send it "
        "again with the same idempotency key, before sending it as a new one"
    )


# Said of a call given up on after an attempt whose answer was lost.
MAYBE_APPLIED = (
    "; an earlier attempt was sent and its answer lost: the update may have been applied "
    "(fetch the resource, or send it again with the same idempotency key)"
)


def held_error(
    request: httpx.Request,
    hold: float,
    hold_left: float,
    sent: int = 0,
    maybe_applied: bool = False,
) -> RateLimitError:
    """The error for a call not sent (again) because the client is held until ``hold`` (Unix
    time, ``hold_left`` seconds from now): a daily limit, said on an earlier answer. ``sent``:
    the attempts the call made before; ``maybe_applied``: one's answer was lost."""
    retry_at = utc(hold)
    assert retry_at is not None
    message = (
        f"{'not sent' if sent == 0 else 'not sent again'}: Light's rate limit is used up until "
        f"{retry_at.isoformat(timespec='seconds')} (the server said so on an earlier answer), "
        "so the client holds every request until then" + (MAYBE_APPLIED if maybe_applied else "")
    )
    error = _not_sent(request, message, hold, hold_left)
    error.attempts, error.outcome_unknown = sent, maybe_applied
    return error


def queued_error(request: httpx.Request, reason: str, wall: float, wait: float) -> RateLimitError:
    """The error for a call not sent because its rate-limit slot is ``wait`` seconds away
    (from ``wall``, Unix time), further than the call's ``max_queue_wait`` allows."""
    error = _not_sent(request, reason, wall + wait, wait)
    error.wait_needed = wait
    return error


def _not_sent(
    request: httpx.Request, message: str, retry_at: float, retry_after: float
) -> RateLimitError:
    # The answer the server would give now, so the error reads like any other 429.
    response = httpx.Response(
        429,
        headers={"Retry-After": str(math.ceil(retry_after))},
        json={"type": "TOO_MANY_REQUESTS", "message": message},
        request=request,
    )
    error = RateLimitError(
        response=response, error_type="TOO_MANY_REQUESTS", message=message, errors=[], attempts=0
    )
    error.retry_at = utc(retry_at)
    return error


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, list[ErrorDetail]]:
    """Light's error fields from an error body, each taken only if it has the documented shape.

    Lenient on purpose: one odd part (an unexpected ``context``) must not hide the rest.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, []
    if not isinstance(body, dict):
        return None, None, []
    error_type = shorten(body["type"], 100) if isinstance(body.get("type"), str) else None
    message = next((body[k] for k in ("message", "name") if isinstance(body.get(k), str)), None)
    message = None if message is None else shorten(message)
    details: list[Any] = body["errors"] if isinstance(body.get("errors"), list) else []
    errors = [parsed for item in details if (parsed := _error_detail(item)) is not None]
    return error_type, message, errors


def _error_detail(item: object) -> ErrorDetail | None:
    from .._generated.models import ErrorDetail

    if not isinstance(item, dict):
        return None
    for candidate in (item, {k: v for k, v in item.items() if k != "context"}):
        try:
            if schema_problem("ErrorDetail", candidate) is None:
                return ErrorDetail.from_dict(candidate)
        except RecursionError:
            continue
    return None
