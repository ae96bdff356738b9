"""Many tenants in one process: an integration partner's load, measured (``make bench-tenants``).

    make bench-tenants      # or: python scripts/bench_tenants.py [--tenants 100,500,1000] [--seconds 60]

One process drives N tenants (100, 500, then 1,000), each a client made with
``with_options(access_token=oauth.async_provider(tenant, store))`` on one connection pool, with
its own OAuth token provider (tokens in an ``InMemoryTokenStore``, or in a ``SQLiteTokenStore``
file) and its own rate budget at Light's 300 a minute (the default). Every tenant is offered its
full rate for ``--seconds``: two tasks per tenant call ``customers.update`` back to back, and
the SDK paces them. The same load is then driven by raw aiohttp with hand-written per-token
pacing (one start every 0.202 s per token: 1% under the limit, as it reads no headers), as the
yardstick.

The server runs in its own process on loopback, so the client's figures are one core's: it
enforces Light's limit per token (300 per fixed 60 s window from the token's first request,
``X-RateLimit-*`` on every answer, 429 with ``Retry-After`` over it), answers 401 for an
expired token, rotates refresh tokens at ``/oauth/token`` (50 ms each, as a remote token
endpoint takes), and counts the updates it applied by ``X-Idempotency-Key``. Per row:

- achieved req/s against the offered rate (N x 5/s), 429s, and calls lost (failed, or reported
  done but never applied);
- CPU per call of the client process, the server's CPU share (near 100%: the server was the
  bottleneck, not the client);
- RSS per tenant client (made, and one call each), event-loop lag p50/p99 (a 10 ms ticker).

Then the token-expiry stampede: 1,000 tenants connected in one batch, so their tokens expire
in the same minute, each offered 1 call/s for ``--expiry-seconds``: every token is refreshed
once; the peak number of refreshes in flight at the token endpoint, the peak refreshes per
second, and every call succeeding. Nothing here is a test: it prints the figures and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from _loopback import KeepAlive, background, free_port

CUSTOMER = json.loads(
    (Path(__file__).parent.parent / "tests/data/seed_customer_response.json").read_text()
)
CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"
PER_MINUTE = 300  # Light's limit per token, and the SDK's default pace
WINDOW = 60.0
REFRESH_SECONDS = 0.05  # how long the token endpoint takes to answer a refresh
TOKEN_LIFE = 3600  # seconds: an access token Light issues lives an hour
EXPIRING = 1000  # tenants in the token-expiry row


# -- the loopback server (its own process) ------------------------------------------------------


@dataclass
class Counts:
    applied: int = 0  # updates applied: one per idempotency key
    replayed: int = 0  # a key seen again after it was applied (a retry): answered, not applied
    no_key: int = 0
    too_many: int = 0  # 429s
    unauthorized: int = 0  # 401s
    refreshes: int = 0
    refused_refreshes: int = 0  # a used-up refresh token
    in_flight: int = 0
    peak_in_flight: int = 0
    refresh_seconds: dict[int, int] = field(default_factory=dict)  # refreshes begun per second


class Light:
    """The server's state: windows per token, applied keys, each tenant's refresh generation."""

    def __init__(self) -> None:
        self.counts = Counts()
        self.windows: dict[str, list[float]] = {}  # token -> [window start, requests]
        self.keys: set[str] = set()
        self.generation: dict[str, int] = {}  # tenant -> the live refresh token's generation
        body = json.dumps({**CUSTOMER, "id": CUSTOMER_ID}).encode()
        self.customer = body
        self.started = time.time()

    def update(self, authorization: str, key: str | None) -> tuple[int, bytes, list[str]]:
        token = authorization.removeprefix("Bearer ")
        parts = token.split(".")
        now = time.time()
        if len(parts) != 4 or parts[0] != "at" or float(parts[3]) <= now:
            self.counts.unauthorized += 1
            return 401, b'{"error":{"message":"token expired"}}', []
        window = self.windows.get(token)
        if window is None or now >= window[0] + WINDOW:
            window = self.windows[token] = [now, 0]
        window[1] += 1
        reset = window[0] + WINDOW
        headers = [
            f"X-RateLimit-Limit: {PER_MINUTE}",
            f"X-RateLimit-Remaining: {max(PER_MINUTE - int(window[1]), 0)}",
            f"X-RateLimit-Reset: {math.ceil(reset)}",
        ]
        if window[1] > PER_MINUTE:
            self.counts.too_many += 1
            headers.append(f"Retry-After: {max(math.ceil(reset - now), 1)}")
            return 429, b'{"error":{"message":"rate limit"}}', headers
        if key is None:
            self.counts.no_key += 1
            self.counts.applied += 1
        elif key in self.keys:
            self.counts.replayed += 1
        else:
            self.keys.add(key)
            self.counts.applied += 1
        return 200, self.customer, headers

    def refresh(self, form: dict[str, str]) -> tuple[int, bytes]:
        tenant, _, generation = form.get("refresh_token", "").removeprefix("rt.").rpartition(".")
        if not generation.isdigit() or self.generation.get(tenant, 0) != int(generation):
            self.counts.refused_refreshes += 1
            return 400, b'{"error":"invalid_grant"}'
        new = int(generation) + 1
        self.generation[tenant] = new
        self.counts.refreshes += 1
        expires = time.time() + TOKEN_LIFE
        return 200, json.dumps(
            {
                "access_token": f"at.{tenant}.{new}.{expires:.0f}",
                "refresh_token": f"rt.{tenant}.{new}",
                "expires_in": TOKEN_LIFE,
                "token_type": "Bearer",
            }
        ).encode()


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many"}


class Connection(KeepAlive):
    """Light's side of a connection (one request at a time, as both clients send)."""

    light: Light

    def reply(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        light = self.light
        if method == "POST" and path == "/oauth/token":
            form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
            counts = light.counts
            counts.in_flight += 1
            counts.peak_in_flight = max(counts.peak_in_flight, counts.in_flight)
            second = int(time.time() - light.started)
            counts.refresh_seconds[second] = counts.refresh_seconds.get(second, 0) + 1

            def done() -> None:
                counts.in_flight -= 1
                self.write(*light.refresh(form), [])

            asyncio.get_running_loop().call_later(REFRESH_SECONDS, done)
        elif method == "GET" and path == "/stats":
            self.write(200, json.dumps(light.counts.__dict__).encode(), [])
        elif method == "PATCH" and path.startswith("/v1/customers/"):
            key = headers.get("x-idempotency-key")
            self.write(*light.update(headers.get("authorization", ""), key))
        else:
            self.write(404, b"{}", [])

    def write(self, status: int, body: bytes, headers: list[str]) -> None:
        extra = "".join(f"{line}\r\n" for line in headers)
        self.transport.write(
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"{extra}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )


def serve(port: int) -> None:
    Connection.light = Light()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Connection, "127.0.0.1", port, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


def stats(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/stats", timeout=10) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU seconds, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the client side ----------------------------------------------------------------------------


def rss_kib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1])
    return 0.0


def initial_tokens(
    tenants: int, expires: Callable[[int], float], prefix: str = "t"
) -> list[tuple[str, str, float]]:
    """Each tenant's first pair, as the server knows it: (access, refresh, expires_at)."""
    return [
        (f"at.{prefix}{i}.0.{expires(i):.0f}", f"rt.{prefix}{i}.0", expires(i))
        for i in range(tenants)
    ]


class Lag:
    """The event loop's lag: how late a 10 ms sleep wakes, sampled for the whole run."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            before = loop.time()
            await asyncio.sleep(0.01)
            self.samples.append(loop.time() - before - 0.01)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(int(len(ordered) * share), len(ordered) - 1)] * 1000 if ordered else 0


@dataclass
class Row:
    """One row's figures (measured in its own process, then the server's added)."""

    what: str
    tenants: int
    seconds: float
    done: int = 0  # calls completed within the run
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0
    server_cpu: float = 0.0
    rss_per_tenant: float = 0.0  # KiB
    lag: Lag = field(default_factory=Lag)
    lag_ms: tuple[float, float] = (0.0, 0.0)  # p50, p99
    server: dict[str, Any] = field(default_factory=dict)

    def failure(self, error: BaseException) -> None:
        self.failed += 1
        name = type(error).__name__
        self.errors[name] = self.errors.get(name, 0) + 1


# What a row's process sends back to the one that prints the table.
ROW_FIELDS = (
    "what",
    "tenants",
    "seconds",
    "done",
    "failed",
    "errors",
    "cpu",
    "rss_per_tenant",
    "lag_ms",
)
Call = Callable[[], Awaitable[object]]


def updater(client: Any) -> Call:
    """A tenant client's call: the update Light's partners make most."""
    return functools.partial(client.customers.update, CUSTOMER_ID, name="Acme ApS", email=None)


async def drive(row: Row, calls: Sequence[Call], workers: int, seconds: float) -> None:
    """``workers`` tasks per tenant, each calling back to back until ``seconds`` have passed.
    The tenants start spread over one interval (0.2 s), as independent tenants' traffic is:
    not all in step."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds

    async def worker(call: Call, start: float) -> None:
        await asyncio.sleep(start)
        while loop.time() < until:
            try:
                await call()
            except Exception as error:  # counted and shown: a lost call
                row.failure(error)
            else:
                if loop.time() <= until:
                    row.done += 1

    started = time.process_time()
    lag = asyncio.create_task(row.lag.run(until))
    interval = 60.0 / PER_MINUTE
    await asyncio.gather(
        *(
            worker(call, interval * i / len(calls))
            for i, call in enumerate(calls)
            for _ in range(workers)
        )
    )
    await lag
    row.cpu = time.process_time() - started
    row.lag_ms = (row.lag.percentile(0.5), row.lag.percentile(0.99))


@asynccontextmanager
async def tenant_clients(
    base_url: str,
    tenants: int,
    expires: Callable[[int], float],
    store_kind: str,
    path: Path,
    **options: Any,
) -> AsyncIterator[Callable[[int], Any]]:
    """Tenant ``i``'s client, made on demand: on one base client's pool (``options``), with
    its own OAuth token provider, the tenants' first pairs in a store of ``store_kind`` (at
    ``path`` for SQLite); all closed after."""
    from light_client import LightClient
    from light_client.auth import InMemoryTokenStore, LightOAuth, SQLiteTokenStore, TokenSet

    oauth = LightOAuth(
        client_id="bench", client_secret="bench", redirect_uri="http://x/cb", base_url=base_url
    )
    store: Any = SQLiteTokenStore(path) if store_kind == "SQLite" else InMemoryTokenStore()
    for i, (access, refresh, expires_at) in enumerate(initial_tokens(tenants, expires)):
        store.put(f"t{i}", TokenSet(access, refresh, expires_at))
    base = LightClient(api_key="sk_bench", base_url=base_url, **options)
    try:
        yield lambda i: base.with_options(access_token=oauth.async_provider(f"t{i}", store))
    finally:
        await base.aclose()
        oauth.close()
        if store_kind == "SQLite":
            store.close()


async def sdk_row(
    base_url: str, tenants: int, seconds: float, store_kind: str, transport: str, folder: str
) -> Row:
    row = Row(f"SDK ({transport}), tokens {store_kind}", tenants, seconds)
    far = time.time() + 7200
    path = Path(folder) / f"tokens-{tenants}-{transport}.db"
    async with tenant_clients(
        base_url, tenants + 1, lambda i: far, store_kind, path, transport=transport
    ) as tenant:
        warm = tenant(tenants)  # a tenant of its own warms the pool up
        await warm.customers.update(CUSTOMER_ID, name="Acme ApS", email=None)
        gc.collect()
        before = rss_kib()
        clients = [tenant(i) for i in range(tenants)]
        await asyncio.gather(
            *(c.customers.update(CUSTOMER_ID, name="Acme ApS", email=None) for c in clients)
        )
        gc.collect()
        row.rss_per_tenant = (rss_kib() - before) / tenants
        await drive(row, [updater(client) for client in clients], 2, seconds)
    return row


async def raw_row(base_url: str, tenants: int, seconds: float) -> Row:
    """The yardstick: aiohttp, one start every 0.2 s per token, written by hand."""
    import aiohttp

    row = Row("raw aiohttp, hand-paced", tenants, seconds)
    far = time.time() + 7200
    tokens = [access for access, _, _ in initial_tokens(tenants, lambda i: far)]
    url = f"{base_url}/v1/customers/{CUSTOMER_ID}"
    payload = {"name": "Acme ApS", "email": None}
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        loop = asyncio.get_running_loop()

        async def call(token: str) -> None:
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "X-Idempotency-Key": str(uuid.uuid4()),
            }
            async with session.patch(url, json=payload, headers=headers) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
                json.loads(body)

        # Warmed up on tokens of their own: a hand-paced client keeps no count of its calls
        # outside the pacing, and Light's window would count these against the measured ones.
        warm = [access for access, _, _ in initial_tokens(tenants, lambda i: far, "warm")]
        await call(warm[0])
        gc.collect()
        before = rss_kib()
        await asyncio.gather(*(call(token) for token in warm))
        gc.collect()
        row.rss_per_tenant = (rss_kib() - before) / tenants
        # One start every 0.2 s less 1%: exactly at the limit, a request's travel time decides
        # which side of a window's end it lands, and some get 429s (this client reads no
        # headers).
        interval = 60.0 / PER_MINUTE * 1.01

        def paced(token: str) -> Call:
            next_start = loop.time()

            async def one() -> None:
                nonlocal next_start
                delay = next_start - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_start = max(next_start + interval, loop.time())  # never catch up in bursts
                await call(token)

            return one

        await drive(row, [paced(token) for token in tokens], 1, seconds)
    return row


# -- the token-expiry stampede ------------------------------------------------------------------


async def expiry_row(
    base_url: str, tenants: int, seconds: float, store_kind: str, folder: str
) -> Row:
    """Tokens of all tenants expire within one minute of each other, from 130 s on (so all are
    due for a refresh within the run: up to 120 s before, margin and spread); each tenant
    calls once a second (its own 60/min budget), so every call needs a live token."""
    row = Row(f"tokens {store_kind}", tenants, seconds)
    start = time.time() + 130
    async with tenant_clients(
        base_url,
        tenants,
        lambda i: start + 60 * i / tenants,
        store_kind,
        Path(folder) / "expiring-tokens.db",
        max_requests_per_minute=60,
        transport="aiohttp",
    ) as tenant:
        await drive(row, [updater(tenant(i)) for i in range(tenants)], 1, seconds)
    return row


# -- running and printing -----------------------------------------------------------------------


def run_row(row_arguments: list[str], seconds: float) -> Row:
    """One row in a process of its own (its own heap, threads and collector: a row never
    measures what an earlier one left), against a fresh server (fresh windows and counts)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve", str(port)]
    with background(command, port) as process:
        server_before = cpu_seconds(process.pid)
        child = subprocess.run(
            [sys.executable, __file__, "--base-url", base_url, *row_arguments],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"a row failed: {' '.join(row_arguments)}\n{child.stderr}")
        measured = json.loads(child.stdout.splitlines()[-1])
        row = Row(**{**measured, "lag_ms": tuple(measured["lag_ms"])})
        row.server = stats(base_url)
        row.server_cpu = (cpu_seconds(process.pid) - server_before) / seconds
    return row


def row_in_this_process(args: argparse.Namespace) -> Row:
    """The row ``--row`` names, run here (the child's side of ``run_row``)."""
    which, tenants = args.row, int(args.tenants)
    if which == "raw":
        return asyncio.run(raw_row(args.base_url, tenants, args.seconds))
    transport, _, kind = which.partition("-")
    store_kind = "SQLite" if kind == "sqlite" else "in memory"
    if transport == "expiry":
        return asyncio.run(
            expiry_row(args.base_url, tenants, args.seconds, store_kind, args.folder)
        )
    return asyncio.run(
        sdk_row(args.base_url, tenants, args.seconds, store_kind, transport, args.folder)
    )


def print_rows(rows: list[Row]) -> None:
    print(
        "| tenants | client | offered req/s | achieved req/s | of offered | 429s | lost "
        "| CPU µs/call | server CPU | RSS KiB/tenant | lag p50 / p99 ms |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        offered = row.tenants * PER_MINUTE / 60
        achieved = row.done / row.seconds
        # Lost: a call that failed, or one reported done that the server never applied.
        lost = row.failed + max(row.done - row.server["applied"], 0)
        print(
            f"| {row.tenants} | {row.what} | {offered:,.0f} | {achieved:,.0f} "
            f"| {achieved / offered:.0%} | {row.server['too_many']} | {lost} "
            f"| {row.cpu / max(row.done, 1) * 1e6:,.0f} | {row.server_cpu:.0%} "
            f"| {row.rss_per_tenant:.1f} | {row.lag_ms[0]:.1f} / {row.lag_ms[1]:.1f} |"
        )
        if row.errors:
            print(f"|  | errors: {row.errors} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--tenants", default="100,500,1000", help="tenant counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="each row's run")
    parser.add_argument("--expiry-seconds", type=float, default=150.0, help="0: no stampede row")
    parser.add_argument(
        "--clients",
        default="raw,aiohttp-memory,aiohttp-sqlite,httpx-memory",
        help="which rows, comma-separated",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    if args.row:
        row = row_in_this_process(args)
        fields = {name: getattr(row, name) for name in ROW_FIELDS}
        print(json.dumps(fields))
        return 0
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for tenants in args.tenants.split(","):
            for which in args.clients.split(","):
                row = run_row(
                    [
                        "--row",
                        which,
                        "--tenants",
                        tenants,
                        "--seconds",
                        str(args.seconds),
                        "--folder",
                        folder,
                    ],
                    args.seconds,
                )
                rows.append(row)
                print(f"  {row.tenants} tenants, {row.what}: {row.done / row.seconds:,.0f} req/s")
        print()
        print_rows(rows)
        if args.expiry_seconds:
            print()
            print(
                f"Tokens of {EXPIRING} tenants expiring within one minute, 1 call/s per tenant, "
                f"{args.expiry_seconds:.0f} s:"
            )
            print()
            print(
                "| tokens | refreshes | refused | peak in flight | peak per second "
                "| calls done | failed | 401s |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            for kind in ("memory", "sqlite"):
                row = run_row(
                    [
                        "--row",
                        f"expiry-{kind}",
                        "--tenants",
                        str(EXPIRING),
                        "--seconds",
                        str(args.expiry_seconds),
                        "--folder",
                        folder,
                    ],
                    args.expiry_seconds,
                )
                server = row.server
                per_second = max(server["refresh_seconds"].values(), default=0)
                print(
                    f"| {row.what.removeprefix('tokens ')} | {server['refreshes']} "
                    f"| {server['refused_refreshes']} | {server['peak_in_flight']} "
                    f"| {per_second} | {row.done:,} | {row.failed} | {server['unauthorized']} |"
                )
                if row.errors:
                    print(f"errors: {row.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
