"""The request flow, written once for the async and the sync client, without I/O or a clock.

``Engine.flow`` is a generator that runs one logical call -- pacing, attempts, redirects, token
refresh, retries, error mapping -- without doing any I/O itself: it yields what it needs done
(``Send`` a request, ``Sleep``, ``FetchToken``, ``Schedule`` a change of the rate-limit
schedule) and is sent back a ``Reply``: the result, with the wall and monotonic time at which
it came (the drivers in ``drivers.py`` read the client's one clock). It never reads a clock.
What to do after an attempt, or before a send, is the policy's answer (``policy.py``); the flow
carries it out and keeps the books in the rate limiter.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from .._core.checks import shorten
from .._core.constants import MAX_REDIRECTS
from .._core.log import attempt_level, logger, redacted_headers, redacted_url
from ..ratelimit._limiter import RateLimiter
from ..ratelimit._schedule import Booking
from ..ratelimit._stores import Change
from .answers import (
    MAYBE_APPLIED,
    Outcome,
    answer_lost,
    error_for,
    held_error,
    parse_answer,
    queued_error,
)
from .credentials import Credentials
from .errors import APITimeoutError, ResponseTooLargeError, ResponseValidationError
from .hooks import AttemptAction, AttemptDetails
from .policy import (
    CallState,
    Pause,
    Raise,
    ServerRate,
    decide,
    server_clock,
    server_rate,
    slot_decision,
)
from .prepare import Call
from .redirects import redirected, same_origin
from .response import RawResponse
from .settings import Settings

if TYPE_CHECKING:
    from .sink import Sink

__all__ = ["Action", "Engine", "FetchToken", "Reply", "Schedule", "Send", "Sleep"]

ModelT = TypeVar("ModelT")
TokenT = TypeVar("TokenT")


@dataclass(slots=True)  # not frozen: built on every call, and never changed
class Send:
    """Send a request and read its answer, whole, by ``deadline`` (monotonic; ``None``: none).

    ``client_auth``: whether a user's own ``http_client`` may add its ``auth`` (not on a
    redirect to another origin). The reply's result is the ``httpx.Response`` or the
    ``httpx.RequestError``.
    """

    request: httpx.Request
    deadline: float | None
    max_bytes: int
    client_auth: bool = True
    # Where a successful answer's body is written (from its start, on every attempt), instead
    # of memory; an error answer is read into memory as always.
    sink: Sink | None = None


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class FetchToken:
    """Get a token from the provider, unless another call already replaced ``stale``."""

    stale: str | None
    timeout: float | None


@dataclass(slots=True)  # as Send
class Schedule:
    """Apply a change to the credential's rate-limit schedule (in its store): the answer."""

    key: str
    change: Change[Any]


Action = Send | Sleep | FetchToken | Schedule
# What the flow is sent after each action: its result, then the wall time (Unix seconds) and the
# monotonic time when it ended, both from the client's clock.
Reply = tuple[Any, float, float]


class Engine(Generic[TokenT]):
    """One client's flow: its settings, credentials and rate limiter (all shared by its calls)."""

    def __init__(
        self, settings: Settings, credentials: Credentials[TokenT], limiter: RateLimiter
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.limiter = limiter
        # What the server's X-RateLimit-* headers told so far (the policy reads and renews it).
        self.server_rate = ServerRate()
        self.warned_clock = False  # this client's clock was found off the server's

    def build_request(
        self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]
    ) -> httpx.Request:
        """The request of ``call`` with the credential in hand (the pool's ``build_request``
        merges its own default headers and cookies, e.g. those of a user's own client)."""
        headers = dict(call.headers)
        authorization = self.credentials.authorization
        if authorization is not None:
            headers.setdefault("Authorization", authorization)
        return http.build_request(
            call.method, call.url, content=call.content, headers=headers, timeout=call.timeout
        )

    def flow(
        self, call: Call[ModelT], http: httpx.Client | httpx.AsyncClient
    ) -> Generator[Action, Reply, RawResponse[ModelT]]:
        """Run one logical call: pace, send, follow redirects, refresh, retry, parse or raise."""
        credentials, limiter = self.credentials, self.limiter
        state = CallState(
            call.max_retries, can_refresh_token=credentials.can_refresh, resendable=call.resendable
        )
        deadline: float | None = None  # the call's timeout runs from its first send
        attempt = 0
        # An attempt was sent and its answer lost: a write may have been applied, whatever the
        # later attempts end with.
        maybe_applied = False
        token_timeout = call.timeout.read
        if credentials.authorization is None or not credentials.fresh():
            stale = credentials.authorization
            token, _, _ = yield FetchToken(stale, token_timeout)
            credentials.set_token(token)
        while True:
            attempt += 1
            sent_with = credentials.authorization
            key = limiter.key(sent_with)
            now = yield from self._wait_for_slot(call, http, key, deadline, attempt, maybe_applied)
            if deadline is None and call.timeout.read is not None:
                deadline = now + call.timeout.read
            outcome, wall, now, elapsed = yield from self._attempt(
                call, http, attempt, deadline, now
            )
            maybe_applied = maybe_applied or answer_lost(outcome)
            if isinstance(outcome, httpx.Response):
                wall = self._server_clock(outcome.headers, wall, elapsed)
                # What the policy makes of the answer's X-RateLimit-* headers (usually nothing).
                self.server_rate, interval, hold_until = server_rate(
                    self.server_rate, outcome.headers, now=wall
                )
                if interval is not None:
                    yield Schedule(key, limiter.tune(interval))
                if hold_until is not None:
                    yield Schedule(key, limiter.hold(hold_until - wall))
                if outcome.is_success:
                    try:
                        parsed, problems = parse_answer(
                            call.operation, call.path_values, outcome, strict=call.strict
                        )
                    except ResponseValidationError as error:
                        self._report(call, attempt, outcome, elapsed, "raise", 0.0, _why(error))
                        raise
                    reason = "; ".join(problems) or None
                    self._report(call, attempt, outcome, elapsed, "return", 0.0, reason)
                    return RawResponse(parsed, outcome, attempt, problems)
            time_left = None if deadline is None else deadline - now
            decision = decide(outcome, replace(state, time_left=time_left), now=wall)
            if isinstance(decision, Raise):
                self._report(call, attempt, outcome, elapsed, "raise", 0.0, decision.reason)
                if decision.hold_client and decision.retry_at is not None:
                    yield Schedule(key, limiter.hold(decision.retry_at - wall))
                cause = outcome if isinstance(outcome, httpx.RequestError) else None
                raise error_for(outcome, attempt, decision, maybe_applied=maybe_applied) from cause
            logger.info(
                "%s %s: %s (attempt %d)",
                call.method,
                httpx.URL(call.url).path,
                decision.reason,
                attempt,
            )
            state = replace(
                state,
                retries_done=state.retries_done + decision.costs_retry,
                rate_limit_waits=state.rate_limit_waits + isinstance(decision, Pause),
            )
            if isinstance(decision, Pause):
                # The whole client waits; this call is the first to book after the pause.
                wait = decision.until - wall
                self._report(call, attempt, outcome, elapsed, "pause", wait, decision.reason)
                yield Schedule(key, limiter.hold(wait))
            elif decision.refresh_token:
                try:
                    token, _, _ = yield FetchToken(sent_with, token_timeout)
                except BaseException as error:  # the provider failed: this attempt was the last
                    self._report(call, attempt, outcome, elapsed, "raise", 0.0, _why(error))
                    raise
                self._report(call, attempt, outcome, elapsed, "retry", 0.0, decision.reason)
                credentials.set_token(token)
                state = replace(state, can_refresh_token=False)
            else:
                wait = decision.delay
                self._report(call, attempt, outcome, elapsed, "retry", wait, decision.reason)
                if wait > 0:
                    yield Sleep(wait)

    def _server_clock(self, headers: httpx.Headers, wall: float, elapsed: float) -> float:
        """The server's now, to read its times against (see ``policy.server_clock``); a
        warning the first time this client finds its clock off the server's."""
        server_wall = server_clock(headers, wall, elapsed)
        if server_wall != wall and not self.warned_clock:
            self.warned_clock = True
            logger.warning(
                "this host's clock is %+.0f s off the server's (its Date header): the server's "
                "rate-limit times are read against its clock",
                wall - server_wall,
            )
        return server_wall

    def _wait_for_slot(
        self,
        call: Call[Any],
        http: httpx.Client | httpx.AsyncClient,
        key: str,
        deadline: float | None,
        attempt: int,
        maybe_applied: bool,
    ) -> Generator[Action, Reply, float]:
        """Book a start on the schedule and sleep until it; give it back if cancelled or if the
        policy gives up first. The monotonic time when the call may send.

        ``max_queue_wait`` bounds the wait before the first send only: a retry's is the
        call's timeout's. An error raised here for a retry counts the attempts already sent,
        and keeps ``maybe_applied`` (an earlier answer was lost) as ``outcome_unknown``."""
        limiter = self.limiter
        booking: Booking
        booking, wall, now = yield Schedule(key, limiter.reserve())
        entered = now
        while booking.wait > 0:
            # The server's hold in force, from the store's clock when the slot was booked.
            hold_left = booking.hold - (booking.start - booking.wait)
            decision = slot_decision(
                booking.wait,
                hold_left,
                now=now,
                deadline=deadline,
                timeout=call.timeout.read,
                queued=now - entered,
                max_queue_wait=call.max_queue_wait if attempt == 1 else None,
            )
            if isinstance(decision, Raise):
                yield Schedule(key, limiter.release(booking))
                request = self.build_request(http, call)
                sent = attempt - 1
                if decision.timeout:
                    raise APITimeoutError(
                        str(decision.reason) + (MAYBE_APPLIED if maybe_applied else ""),
                        request=request,
                        attempts=sent,
                        outcome_unknown=maybe_applied,
                    )
                if decision.queued:
                    raise queued_error(request, str(decision.reason), wall, booking.wait)
                raise held_error(request, wall + hold_left, hold_left, sent, maybe_applied)
            logger.debug("rate limit: waiting %.3f s for a slot", decision.seconds)
            try:
                _, wall, now = yield Sleep(decision.seconds)
            except GeneratorExit:
                raise
            except BaseException:  # cancelled or timed out while waiting: give the slot back
                if booking.origin == limiter.origin:
                    yield Schedule(key, limiter.release(booking))
                raise
            if booking.origin != limiter.origin:  # the shared store went down or came back
                booking, wall, now = yield Schedule(key, limiter.reserve())
                continue
            confirmed: Booking
            confirmed, wall, now = yield Schedule(key, limiter.confirm(booking))
            if confirmed.epoch == booking.epoch:  # still ours: it is time
                return now
            booking = confirmed  # the schedule moved (a pause, a stricter rate): booked anew
        return now

    def _attempt(
        self,
        call: Call[Any],
        http: httpx.Client | httpx.AsyncClient,
        attempt: int,
        deadline: float | None,
        now: float,
    ) -> Generator[Action, Reply, tuple[Outcome, float, float, float]]:
        """Send one attempt and follow its redirects: the final response or transport error,
        the wall and monotonic time it came, and the seconds it took."""
        request = self.build_request(http, call)
        client_auth = True
        started = now
        for _ in range(MAX_REDIRECTS + 1):
            if deadline is not None:  # no single connect, read or write outlasts the call
                left = max(deadline - now, 0.001)
                request.extensions["timeout"] = {
                    phase: left if limit is None or left < limit - 0.05 else limit
                    for phase, limit in call.timeout.as_dict().items()
                }
            if logger.isEnabledFor(logging.DEBUG):  # redacting the headers is not free
                logger.debug(
                    "%s %s attempt %d headers=%s",
                    request.method,
                    redacted_url(request.url),
                    attempt,
                    redacted_headers(request.headers),
                )
            sent = now
            outcome: Outcome
            try:
                outcome, wall, now = yield Send(
                    request, deadline, call.max_bytes, client_auth, call.sink
                )
            except BaseException as error:  # too large, cancelled, ...: the call ends here
                if isinstance(error, ResponseTooLargeError):
                    error.attempts = attempt
                if not isinstance(error, GeneratorExit):
                    self._report(call, attempt, error, 0.0, "raise", 0.0, _why(error))
                raise
            level = attempt_level()  # DEBUG: httpx logs each request at INFO already
            if logger.isEnabledFor(level):  # the URL's path is decoded for the line
                logger.log(
                    level,
                    "%s %s -> %s (%.0f ms, attempt %d)",
                    request.method,
                    request.url.path,
                    (
                        outcome.status_code
                        if isinstance(outcome, httpx.Response)
                        else type(outcome).__name__
                    ),
                    (now - sent) * 1000,
                    attempt,
                )
            if not isinstance(outcome, httpx.Response) or not outcome.is_redirect:
                return outcome, wall, now, now - started
            followed = redirected(request, outcome)
            if followed is None:
                return outcome, wall, now, now - started
            client_auth = client_auth and same_origin(followed.url, request.url)
            request = followed
        self._report(call, attempt, outcome, now - started, "raise", 0.0, "too many redirects")
        raise error_for(outcome, attempt, Raise("too many redirects"))

    def _report(
        self,
        call: Call[Any],
        attempt: int,
        outcome: Outcome | BaseException,
        elapsed: float,
        action: AttemptAction,
        wait: float,
        reason: str | None,
    ) -> None:
        """Tell the client's ``on_attempt`` hook, if it has one."""
        hook = self.settings.on_attempt
        if hook is None:
            return
        response = outcome if isinstance(outcome, httpx.Response) else None
        details = AttemptDetails(
            operation_id=call.operation.operation_id,
            method=call.method,
            path=httpx.URL(call.url).path,
            attempt=attempt,
            status_code=None if response is None else response.status_code,
            error=None if response is not None else type(outcome).__name__,
            elapsed=elapsed,
            action=action,
            wait=wait,
            reason=reason,
        )
        try:
            hook(details)
        except Exception:  # a metrics hook that fails must not fail the call it reports on
            logger.exception("the on_attempt hook %r failed", hook)


def _why(error: BaseException) -> str:
    """An exception that ends a call, as the reason its last attempt reports."""
    return shorten(f"{type(error).__name__}: {error}".removesuffix(": "))
