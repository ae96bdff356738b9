"""The request flow driven by hand with scripted outcomes: no server, no sleeping, no clock.

The flow does no I/O and reads no clock: it asks for actions (book a slot, send, sleep, ...)
and is sent their results with the time. These tests answer each action themselves, with the
time of a ``FakeClock`` that stands still (the ``frozen`` fixture: the sleeps asked for are
only recorded), and assert the exact actions asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest

from light_client import BadRequestError, RateLimitError, SyncLightClient
from light_client._runtime.engine import Action, FetchToken, Reply, Schedule, Send, Sleep
from light_client._runtime.prepare import prepare
from light_client._runtime.response import RawResponse
from light_client.ratelimit._schedule import Booking, Pace
from light_client.resources.customers import UPDATE_CUSTOMER
from light_client.testing import FakeClock
from tests._harness import CUSTOMER_ID
from tests.conftest import API_KEY, FROZEN_NOW, load_json

CUSTOMER = load_json("seed_customer_response.json")


def answer(status: int, **headers: str) -> httpx.Response:
    body = CUSTOMER if status == 200 else {"type": "X", "message": f"status {status}"}
    return httpx.Response(
        status, json=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


class Script:
    """Runs one call's flow, answering each action, and records what it asked for."""

    def __init__(self, client: SyncLightClient, *outcomes: httpx.Response) -> None:
        self.client = client
        self.outcomes: Iterator[httpx.Response] = iter(outcomes)
        self.actions: list[str] = []
        call = prepare(client._settings, UPDATE_CUSTOMER, (CUSTOMER_ID,), {"name": "a"})
        self.flow: Generator[Action, Reply, RawResponse[Any]] = client._engine.flow(
            call, client._http
        )
        self.bookings: list[Booking] = []

    def now(self, result: Any) -> Reply:
        """The reply to an action: its result, at the client's clock's time."""
        clock = self.client._settings.clock
        return (result, clock.time(), clock.monotonic())

    def perform(self, action: Action) -> Reply:
        return self.now(self.answer(action))

    def answer(self, action: Action) -> Any:
        limiter = self.client._limiter
        if isinstance(action, Send):
            self.actions.append("send")
            outcome = next(self.outcomes)
            outcome.request = action.request
            return outcome
        if isinstance(action, Sleep):
            self.actions.append(f"sleep {action.seconds:.1f}")
            return None
        if isinstance(action, FetchToken):
            self.actions.append("token")
            return "fresh-token"
        assert isinstance(action, Schedule)
        self.actions.append(action.change.func.__name__.lstrip("_"))  # type: ignore[attr-defined]
        reply = limiter.apply(action.key, action.change)
        if isinstance(reply, Booking):
            self.bookings.append(reply)
        return reply

    def run(
        self,
        *,
        reply: Reply | None = None,
        throw_at: str | None = None,
        error: BaseException | None = None,
    ) -> Any:
        thrown = False
        try:
            while True:
                action = self.flow.send(reply)  # type: ignore[arg-type]  # None: the start
                reply = self.perform(action)
                if throw_at and not thrown and self.actions[-1].startswith(throw_at):
                    thrown = True
                    assert error is not None
                    action = self.flow.throw(error)
                    reply = self.perform(action)
        except StopIteration as done:
            return done.value


@pytest.fixture
def client(frozen: FakeClock) -> Iterator[SyncLightClient]:
    with SyncLightClient(api_key=API_KEY, clock=frozen) as light:
        yield light


def test_a_429_pauses_and_the_resend_books_first(client: SyncLightClient) -> None:
    script = Script(client, answer(429, retry_after="2"), answer(200))
    raw = script.run()
    assert raw.attempts == 2
    assert script.actions == ["reserve", "send", "hold", "reserve", "sleep 2.0", "confirm", "send"]


def test_a_400_saying_nothing_remains_is_not_resent(client: SyncLightClient) -> None:
    reset = str(int(FROZEN_NOW) + 9)
    script = Script(client, answer(400, x_ratelimit_remaining="0", x_ratelimit_reset=reset))
    with pytest.raises(BadRequestError) as caught:
        script.run()
    assert caught.value.attempts == 1 and caught.value.reason is None
    # It moves the next start to the reset (the schedule follows the server) and nothing else.
    assert script.actions == ["reserve", "send", "hold"]


def test_a_401_fetches_one_fresh_token(frozen: FakeClock) -> None:
    with SyncLightClient(access_token=lambda: "first-token", clock=frozen) as light:
        script = Script(light, answer(401), answer(200))
        assert script.run().attempts == 2
    assert script.actions == ["token", "reserve", "send", "token", "reserve", "send"]


def test_a_daily_limit_raises_and_holds_the_client(client: SyncLightClient) -> None:
    script = Script(client, answer(429, retry_after="7200"))
    with pytest.raises(RateLimitError) as caught:
        script.run()
    assert script.actions == ["reserve", "send", "hold"]
    assert caught.value.attempts == 1 and caught.value.retry_at is not None
    held = Script(client)
    with pytest.raises(RateLimitError) as caught_held:
        held.run()
    assert held.actions == ["reserve", "release"]  # nothing sent, the slot given back
    assert caught_held.value.attempts == 0


def test_a_call_cancelled_while_waiting_gives_its_slot_back(frozen: FakeClock) -> None:
    with SyncLightClient(api_key=API_KEY, max_requests_per_minute=2, clock=frozen) as light:
        for _ in range(3):  # the burst: three at once, then one every 30 s
            Script(light, answer(200)).run()
        waiting = Script(light, answer(200))
        with pytest.raises(asyncio.CancelledError):
            waiting.run(throw_at="sleep", error=asyncio.CancelledError())
        assert waiting.actions == ["reserve", "sleep 30.0", "release"]
        after = Script(light, answer(200))
        after.run()
    # The next caller gets the cancelled call's slot: as if it had never asked.
    assert after.bookings[0].start == waiting.bookings[0].start


def test_a_resend_after_a_429_goes_before_the_calls_that_waited(client: SyncLightClient) -> None:
    client._limiter.pace = Pace(0.2, burst=1)
    first = Script(client, answer(429, retry_after="5"), answer(200))
    action = first.flow.send(None)  # type: ignore[arg-type]  # book: it goes at once ...
    action = first.flow.send(first.perform(action))
    assert isinstance(action, Send)  # ... and is on the wire
    queued = [Script(client, answer(200)) for _ in range(4)]
    for script in queued:  # meanwhile four more calls book their slots and sleep
        script.perform(script.flow.send(None))  # type: ignore[arg-type]
    assert [round(s.bookings[0].wait, 1) for s in queued] == [0.2, 0.4, 0.6, 0.8]
    first.run(reply=first.perform(action))  # the 429 comes back: pause 5 s, resend
    resend = first.bookings[-1]
    for script in queued:  # the sleepers wake in order, find the schedule moved, re-book
        action = script.flow.send(script.now(script.bookings[-1]))
        assert isinstance(action, Sleep)
        script.perform(script.flow.send(script.perform(action)))
    rebooked = [script.bookings[-1].start for script in queued]
    gaps = [round(b - a, 3) for a, b in zip([resend.start, *rebooked], rebooked, strict=False)]
    assert gaps == [0.2, 0.2, 0.2, 0.2]  # the resend first, then one interval apart
