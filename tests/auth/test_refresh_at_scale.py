"""Many tenants' tokens expiring together: refreshes spread out, a bounded number at once, and
every call keeps succeeding. Against a loopback server that rotates refresh tokens (each
works once), takes 30 ms per refresh, and counts the refreshes in flight."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from light_client import LightClient
from light_client.auth import (
    InMemoryTokenStore,
    LightOAuth,
    SQLiteTokenStore,
    TokenSet,
    TokenStore,
    TokenStoreError,
)
from light_client.auth._oauth import _HOST
from tests._harness import CUSTOMER_ID
from tests.conftest import load_json

CUSTOMER = json.dumps({**load_json("seed_customer_response.json"), "id": str(CUSTOMER_ID)})
REFRESH_SECONDS = 0.03


class TokenServer(ThreadingHTTPServer):
    """Light's token endpoint and one API operation, for many tenants, on loopback."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.generation: dict[str, int] = {}  # tenant -> the live refresh token's generation
        self.refresh_starts: list[float] = []
        self.in_flight = self.peak_in_flight = 0
        self.refused = self.unauthorized = self.updates = 0
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)

    def refresh(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        tenant, _, generation = form["refresh_token"].removeprefix("rt.").rpartition(".")
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.refresh_starts.append(time.monotonic())
        time.sleep(REFRESH_SECONDS)
        with self.lock:
            self.in_flight -= 1
            if self.generation.get(tenant, 0) != int(generation):
                self.refused += 1
                return 400, {"error": "invalid_grant"}
            new = self.generation[tenant] = int(generation) + 1
        return 200, {
            "access_token": f"at.{tenant}.{new}.{time.time() + 3600:.0f}",
            "refresh_token": f"rt.{tenant}.{new}",
            "expires_in": 3600,
            "token_type": "Bearer",
        }

    def authorized(self, authorization: str) -> bool:
        parts = authorization.removeprefix("Bearer ").split(".")
        live = len(parts) == 4 and float(parts[3]) > time.time()
        with self.lock:
            if live:
                self.updates += 1
            else:
                self.unauthorized += 1
        return live


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: TokenServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {name: values[0] for name, values in parse_qs(body).items()}
        status, answer = self.server.refresh(form)
        self._answer(status, json.dumps(answer))

    def do_PATCH(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.authorized(self.headers.get("Authorization", "")):
            self._answer(200, CUSTOMER)
        else:
            self._answer(401, '{"type": "UNAUTHORIZED", "message": "expired"}')

    def _answer(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[TokenServer]:
    with TokenServer() as running:
        yield running


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Callable[..., SQLiteTokenStore]]:
    """A token file in ``tmp_path``; every store made is closed after the test, whatever its
    end (an open connection collected later fails another test with a ResourceWarning)."""
    made: list[SQLiteTokenStore] = []

    def make(**options: float) -> SQLiteTokenStore:
        made.append(SQLiteTokenStore(tmp_path / "tokens.db", **options))
        return made[-1]

    yield make
    for store in made:
        store.close()


def _oauth(server: TokenServer, **options: int) -> LightOAuth:
    return LightOAuth(
        client_id="c", client_secret="s", redirect_uri="http://x/cb", base_url=server.url, **options
    )


def _connect(store: TokenStore, tenants: int, expires_at: float) -> None:
    """Tenants connected in one batch: their tokens expire at the same instant."""
    for i in range(tenants):
        store.put(f"t{i}", TokenSet(f"at.t{i}.0.{expires_at:.0f}", f"rt.t{i}.0", expires_at))


async def _call_every_second(
    clients: list[LightClient], seconds: float, *, apart: float = 1.0
) -> list[BaseException]:
    """Each client calls once a second for ``seconds``, the tenants' first calls spread over
    ``apart`` seconds (not in lockstep); the calls that failed."""
    failures: list[BaseException] = []
    until = time.monotonic() + seconds

    async def tenant(client: LightClient, offset: float) -> None:
        await asyncio.sleep(offset)
        while time.monotonic() < until:
            try:
                await client.customers.update(CUSTOMER_ID, name="Acme")
            except Exception as error:
                failures.append(error)
            await asyncio.sleep(1.0)

    await asyncio.gather(
        *(tenant(client, apart * i / len(clients)) for i, client in enumerate(clients))
    )
    return failures


async def test_tokens_expiring_together_are_refreshed_spread_out(server: TokenServer) -> None:
    tenants = 100
    store = InMemoryTokenStore()
    _connect(store, tenants, time.time() + 4.5)
    oauth = _oauth(server)
    started = time.monotonic()
    async with LightClient(api_key="k", base_url=server.url) as base:
        clients = [
            base.with_options(access_token=oauth.async_provider(f"t{i}", store, margin=1, spread=2))
            for i in range(tenants)
        ]
        failures = await _call_every_second(clients, 5.0)
    oauth.close()
    assert failures == []
    assert (len(server.refresh_starts), server.refused, server.unauthorized) == (tenants, 0, 0)
    # Due between 1.5 s and 3.5 s after the start (4.5 s less margin and spread), not at once:
    # about a fifth of them in any 0.4 s (without the spread: two fifths, all in one second).
    starts = sorted(t - started for t in server.refresh_starts)
    assert starts[0] >= 1.0 and starts[-1] - starts[0] >= 1.5
    busiest = max(sum(1 for t in starts if s <= t < s + 0.4) for s in starts)
    assert busiest <= 30
    assert server.peak_in_flight <= 10


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_refreshes_all_due_at_once_run_a_bounded_number_at_a_time(
    server: TokenServer, kind: str, sqlite_store: Callable[..., SQLiteTokenStore]
) -> None:
    # spread=0 and tokens already expired: all 30 due at the first call. The token endpoint
    # sees 3 at a time (max_concurrent_refreshes), no more -- and no fewer with SQLite, whose
    # lock is per tenant, not the file's.
    tenants = 30
    store: TokenStore = InMemoryTokenStore() if kind == "memory" else sqlite_store()
    _connect(store, tenants, time.time() - 1)
    oauth = _oauth(server, max_concurrent_refreshes=3)
    async with LightClient(api_key="k", base_url=server.url) as base:
        clients = [
            base.with_options(access_token=oauth.async_provider(f"t{i}", store, spread=0))
            for i in range(tenants)
        ]
        failures = await _call_every_second(clients, 0.5, apart=0)
    oauth.close()
    assert failures == []
    assert (len(server.refresh_starts), server.refused, server.peak_in_flight) == (tenants, 0, 3)


def test_sync_providers_in_many_threads_are_bounded_too(server: TokenServer) -> None:
    tenants = 20
    store = InMemoryTokenStore()
    _connect(store, tenants, time.time() - 1)
    oauth = _oauth(server, max_concurrent_refreshes=4)
    providers = [oauth.provider(f"t{i}", store, spread=0) for i in range(tenants)]
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda p=p: tokens.append(p())) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    oauth.close()
    # Each tenant's token once refreshed (generation 1), none refused.
    assert [token.split(".")[:3] for token in sorted(tokens, key=_tenant)] == [
        ["at", f"t{i}", "1"] for i in range(tenants)
    ]
    assert (len(server.refresh_starts), server.peak_in_flight) == (tenants, 4)


def _tenant(token: str) -> int:
    return int(token.split(".")[1].removeprefix("t"))


def test_the_refresh_point_is_fixed_by_the_tenant_and_within_the_spread() -> None:
    oauth = LightOAuth(client_id="c", client_secret="s", redirect_uri="http://x/cb")
    store = InMemoryTokenStore()
    points = [oauth.provider(f"t{i}", store).refresh_before for i in range(1000)]
    again = [oauth.async_provider(f"t{i}", store).refresh_before for i in range(1000)]
    oauth.close()
    assert points == again
    # The same in every process (fixed by the name, not by Python's per-process str hash).
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from light_client.auth._oauth import _share; print(repr(_share('t7')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )
    assert 60 + 60 * float(child.stdout) == points[7]
    assert all(60 <= point < 120 for point in points)
    # Spread evenly: each tenth of the spread holds about a tenth of the tenants.
    tenths = [sum(1 for p in points if 60 + 6 * k <= p < 66 + 6 * k) for k in range(10)]
    assert min(tenths) >= 60 and max(tenths) <= 140


def test_margin_and_spread_must_be_seconds() -> None:
    oauth = LightOAuth(client_id="c", client_secret="s", redirect_uri="http://x/cb")
    store = InMemoryTokenStore()
    for name in ("margin", "spread"):
        for bad in (-1, math.nan, math.inf, "60", True):
            with pytest.raises(ValueError, match=f"{name} must be a number of seconds >= 0"):
                oauth.provider("t", store, **{name: bad})  # type: ignore[arg-type]
    oauth.close()


def test_max_concurrent_refreshes_must_be_a_positive_int() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_concurrent_refreshes must be an int >= 1"):
            LightOAuth(
                client_id="c",
                client_secret="s",
                redirect_uri="http://x/cb",
                max_concurrent_refreshes=bad,  # type: ignore[arg-type]
            )


def test_a_fresh_stored_pair_is_read_without_the_lock(
    sqlite_store: Callable[..., SQLiteTokenStore],
) -> None:
    # A new client of each of a thousand tenants must not queue for the file's write lock.
    store = sqlite_store()
    store.put("t", TokenSet("at.t.0.9999999999", "rt.t.0", time.time() + 3600))
    oauth = LightOAuth(client_id="c", client_secret="s", redirect_uri="http://x/cb")
    provider = oauth.provider("t", store)
    other = sqlite3.connect(store.path, isolation_level=None)  # another process, writing
    other.execute("BEGIN IMMEDIATE")
    try:
        answered: list[str] = []
        thread = threading.Thread(target=lambda: answered.append(provider()))
        thread.start()
        thread.join(2)
        read_while_held = list(answered)  # before the other writer lets go
    finally:
        other.execute("ROLLBACK")
        other.close()
        thread.join(35)
    oauth.close()
    store.close()
    assert read_while_held == ["at.t.0.9999999999"]


def _lease(store: SQLiteTokenStore, host: str, pid: int, seconds: float) -> None:
    """Tenant ``t``'s lock, as another process left it: ``host``, ``pid``, ending in
    ``seconds`` on this host's monotonic clock (the store's first update makes its table)."""
    if not store._leases_ready:
        store.update("t", lambda tokens: tokens)
    store._file.query(
        "INSERT OR REPLACE INTO light_oauth_leases VALUES ('t', 'other', ?, ?, ?)",
        (host, pid, time.monotonic() + seconds),
    )


def test_a_tenant_lock_left_by_a_dead_process_is_free_at_once(
    sqlite_store: Callable[..., SQLiteTokenStore],
) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    store = sqlite_store(lock_timeout=30)
    store.put("t", TokenSet("a", "r", 0))
    _lease(store, _HOST, int(dead.stdout), 20)
    started = time.monotonic()
    assert store.update("t", lambda tokens: tokens) == TokenSet("a", "r", 0)
    assert time.monotonic() - started < 1
    store.close()


def test_a_tenant_lock_held_past_lock_timeout_is_taken_over(
    sqlite_store: Callable[..., SQLiteTokenStore], caplog: pytest.LogCaptureFixture
) -> None:
    store = sqlite_store(lock_timeout=0.5)
    store.put("t", TokenSet("a", "r", 0))
    store.put("u", TokenSet("b", "r", 0))
    inside, release = threading.Event(), threading.Event()

    def hold(tokens: TokenSet | None) -> TokenSet | None:
        inside.set()
        release.wait(5)
        return tokens

    holder = threading.Thread(target=store.update, args=("t", hold))
    holder.start()
    assert inside.wait(5)
    try:
        # Another tenant is not held up by it ...
        started = time.monotonic()
        assert store.update("u", lambda tokens: tokens) == TokenSet("b", "r", 0)
        assert time.monotonic() - started < 0.3
        # ... the same tenant waits until the lock expires (its holder overran), then takes it.
        assert store.update("t", lambda tokens: tokens) == TokenSet("a", "r", 0)
        assert 0.3 <= time.monotonic() - started < 3
    finally:
        release.set()
        holder.join(5)
    assert "tenant 't''s token lock expired before the refresh ended" in caplog.text
    # Released: the next update takes it at once.
    started = time.monotonic()
    store.update("t", lambda tokens: tokens)
    assert time.monotonic() - started < 0.3
    store.close()


def test_a_lock_written_before_a_reboot_is_free(
    sqlite_store: Callable[..., SQLiteTokenStore],
) -> None:
    # Its end is further away than any lock lasts: it was written on the monotonic clock of
    # an earlier boot, whatever process now has its pid.
    store = sqlite_store(lock_timeout=30)
    store.put("t", TokenSet("a", "r", 0))
    _lease(store, _HOST, os.getppid(), 86400)
    started = time.monotonic()
    assert store.update("t", lambda tokens: tokens) == TokenSet("a", "r", 0)
    assert time.monotonic() - started < 1
    store.close()


def test_a_tenant_lock_held_by_a_live_process_is_waited_for_then_an_error(
    sqlite_store: Callable[..., SQLiteTokenStore],
) -> None:
    # Held by a live process of this host (here: our parent, as if it were refreshing), or by
    # any process of another host or container (whose pid means nothing here): a waiter gives
    # up after lock_timeout, clearly.
    store = sqlite_store(lock_timeout=0.3)
    store.put("t", TokenSet("a", "r", 0))
    for host, pid in ((_HOST, os.getppid()), ("another-container:1", 999_999)):
        _lease(store, host, pid, 1.0)
        with pytest.raises(TokenStoreError) as caught:
            store.update("t", lambda tokens: tokens)
        assert str(caught.value) == (
            "tenant 't': another process held the token lock for 0.3 s (lock_timeout)"
        )
    store.close()
