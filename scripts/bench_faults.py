"""Rate-limit faults benchmark: sick stores and clocks against the SDK's pacing, as one table.

    make bench-faults             # or: python scripts/bench_faults.py [--quick] [--only 1,4]

The loopback "Light" of ``bench_ratelimit.py`` (20 requests/s in fixed one-second windows, 429
with Retry-After and X-RateLimit-*, applications counted per X-Idempotency-Key) is driven by
client processes while something goes wrong, each time a real component (issue 26, items 9-14):

1. Redis killed (SIGKILL) and restarted on its port 2 s later, 4 s into a run of 4 processes x
   60 calls sharing a RedisRateLimitStore (5 calls in flight in each, as workers draining a
   queue). Target: wall <= 1.5x ideal -- the outage is 2 s of the 13.3 s ideal, and the rest of
   the margin covers a few 1 s Retry-After pauses while the processes pace apart.
2. Redis frozen (SIGSTOP for 20 s, then SIGCONT) while one process makes 20 calls. Target:
   <= 10 s and 1 warning: one store timeout (2 s), then every waiting call paces in-process.
3. The SQLite store write-locked by another process (``BEGIN IMMEDIATE`` held 60 s) while one
   process makes 20 calls. Target: <= 10 s and 1 warning: one busy timeout (5 s), then the same.
4. Redis behind a loopback proxy that delays each direction by 100 ms (200 ms round trips): 40
   calls, 20 in flight, from one process. Target: >= 5 calls/s.
5. ``time.time`` stepping back 30 s in the middle of 20 calls (4 in flight, ``timeout=5``), in
   that client process only, as NTP steps a clock found 30 s ahead (it agrees with the server's
   after the step; ``time.monotonic`` is left alone). Target: wall <= 1.5x ideal: no call waits
   for the clock to catch up. ``met`` shows the slowest call.
6. Two processes x 50 calls sharing a store (SQLite, then Redis), one with ``time.time`` 10 s
   ahead, next to the same run without skew. Target: wall <= 1.5x the run without skew.

Every scenario: 0 updates lost (never applied) and 0 applied twice, counted by the server; each
call has its own idempotency key. Clients pace at 1,080/min (0.9x the server, as the shared-store
rows of ``bench_ratelimit``); the ideal is the calls at that pace. Warnings of the
``light_client`` logger are counted in each client process; ``met`` names each target missed
and shows the figure the columns do not (warnings, calls/s). What each process saw (errors
raised, warnings, its slowest call) goes to stderr. Each scenario is bounded: a run past its
bound is reported as "timed out". ``--quick`` halves the calls and shortens the faults. The
Redis scenarios run a ``redis-server`` of their own on a free loopback port (the Debian package),
and are skipped, with the reason, without it. Wall-clock figures: run it on a quiet machine.
Nothing here is a test: it prints, and exits 1 only when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bench_ratelimit
from _loopback import background, free_port
from bench_ratelimit import SERVER_RATE, make_store, reset, stats

RPM = int(SERVER_RATE * 60 * 0.9)  # the clients' pace: 1,080/min, 0.9x the server's
RATE = RPM / 60  # calls per second at that pace
SCRIPT = str(Path(__file__).resolve())
READY_SECONDS = 30.0  # a client process imports, makes its warm-up call and says "ready"
IN_FLIGHT = 5  # calls at once in each process of the Redis-killed scenario


# -- a client process ----------------------------------------------------------------------------


@dataclass
class Spec:
    """What one client process does: ``calls`` updates through one ``LightClient``."""

    base_url: str
    api_key: str
    store: str  # "memory", "sqlite:<path>" or "redis:<url>" (bench_ratelimit.make_store)
    prefix: str  # of the idempotency keys of the timed calls: "<prefix>-<n>"
    calls: int
    result: str  # the JSON file the process writes its result to
    deadline: float  # seconds after "go": the calls still running then are cancelled
    in_flight: int = 0  # at most this many calls at once (0: all of them)
    timeout: float | None = None  # per-call ``timeout=``
    clock_offset: float = 0.0  # time.time runs this far ahead of the system's
    step_after: float | None = None  # seconds after "go", time.time steps by ``step_by``
    step_by: float = 0.0


@dataclass
class Result:
    """What a client process saw (monotonic times: the same clock in every process on Linux)."""

    started: float
    finished: float
    completed: int
    timed_out: bool
    slowest: float
    warnings: int
    warning_samples: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


class _Clock:
    """The shift of this process's ``time.time``: a constant offset, and a step at a moment."""

    offset = 0.0
    step_at = math.inf  # monotonic
    step_by = 0.0


def install_clock(spec: Spec) -> None:
    """Replace ``time.time`` in this process, before ``light_client`` is imported (its stores
    take ``time.time`` as a default argument). ``time.monotonic`` is left alone."""
    if not spec.clock_offset and spec.step_after is None:
        return
    real = time.time
    _Clock.offset, _Clock.step_by = spec.clock_offset, spec.step_by

    def shifted() -> float:
        stepped = _Clock.step_by if time.monotonic() >= _Clock.step_at else 0.0
        return real() + _Clock.offset + stepped

    time.time = shifted


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _samples(texts: Sequence[str], limit: int = 3) -> list[str]:
    return [text[:240] for text in dict.fromkeys(texts)][:limit]


def _write_result(path: str, result: Result) -> None:
    Path(path).write_text(json.dumps(asdict(result)), encoding="utf-8")


async def client_process(spec: Spec) -> None:
    """Warm up (one call, outside the figures), say "ready", wait for "go", run the calls."""
    from light_client import LightClient

    warnings = _Warnings()
    light_log = logging.getLogger("light_client")
    light_log.addHandler(warnings)
    if os.environ.get("LIGHT_LOG"):  # a worker run by hand to see what happens
        logging.basicConfig(format="%(relativeCreated)d %(name)s %(message)s")
    else:
        light_log.propagate = False  # counted here, not printed
    store = make_store(spec.store)
    durations: list[float] = []
    errors: Counter[str] = Counter()
    error_texts: list[str] = []
    options: dict[str, Any] = {} if spec.timeout is None else {"timeout": spec.timeout}
    async with LightClient(
        api_key=spec.api_key,
        base_url=spec.base_url,
        max_requests_per_minute=RPM,
        rate_limit_store=store,
        max_retries=4,
    ) as light:
        await light.customers.update(
            uuid.uuid4(), name="warm-up", idempotency_key=f"warm-{uuid.uuid4()}"
        )
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        started = time.monotonic()
        if spec.step_after is not None:
            _Clock.step_at = started + spec.step_after
        gate = asyncio.Semaphore(spec.in_flight or spec.calls)

        async def one(index: int) -> None:
            async with gate:
                began = time.monotonic()
                try:
                    await light.customers.update(
                        uuid.uuid4(),
                        name=f"faults-{index}",
                        idempotency_key=f"{spec.prefix}-{index}",
                        **options,
                    )
                except Exception as exc:  # whatever escapes the SDK, raw store errors too
                    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
                    errors[name] += 1
                    error_texts.append(f"{name}: {exc}")
                durations.append(time.monotonic() - began)

        tasks = [asyncio.create_task(one(n)) for n in range(spec.calls)]
        _, pending = await asyncio.wait(tasks, timeout=spec.deadline)
        finished = time.monotonic()
        for task in pending:
            task.cancel()
        result = Result(
            started=started,
            finished=finished,
            completed=spec.calls - len(pending) - sum(errors.values()),
            timed_out=bool(pending),
            slowest=max([*durations, finished - started if pending else 0.0]),
            warnings=len(warnings.messages),
            warning_samples=_samples(warnings.messages),
            errors=dict(errors),
            error_samples=_samples(error_texts),
        )
        _write_result(spec.result, result)
        if pending:  # a call stuck in a store's thread must not keep the process alive
            sys.stdout.flush()
            os._exit(0)
    if hasattr(store, "aclose"):
        await store.aclose()
    elif hasattr(store, "close"):
        store.close()


# -- the faults: a Redis server, a SQLite lock holder, a latency proxy ---------------------------


def _wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class RedisServer:
    """A ``redis-server`` of ours on a free loopback port, nothing saved to disk."""

    def __init__(self, binary: str) -> None:
        self.binary, self.port = binary, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    def start(self) -> None:
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_for_port(self.port)

    def kill(self) -> None:
        """SIGKILL: no shutdown, every key gone (nothing is saved)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, nothing is answered."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)
            self.frozen = True

    def thaw(self) -> None:
        if self.process is not None and self.frozen:
            self.process.send_signal(signal.SIGCONT)
            self.frozen = False

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


@contextmanager
def redis_server(binary: str) -> Iterator[RedisServer]:
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def hold_lock(path: str, seconds: float) -> None:
    """Another process's write lock on the SQLite file, held ``seconds`` (or until killed)."""
    import sqlite3

    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(seconds)


async def latency_proxy(port: int, upstream: int, delay: float) -> None:
    """A TCP proxy on loopback that delays every chunk, each way, by ``delay`` seconds."""
    loop = asyncio.get_running_loop()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            try:
                while True:
                    due, data = await queue.get()
                    await asyncio.sleep(max(due - loop.time(), 0))
                    if not data:
                        break
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        delivering = asyncio.create_task(deliver())
        with suppress(ConnectionError):
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + delay, data))
        queue.put_nowait((loop.time() + delay, b""))
        await delivering

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(connect, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def _read_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The next line ``process`` prints, or "" when it ends or ``seconds`` pass first."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    return process.stdout.readline().strip() if ready else ""


@contextmanager
def sqlite_locked(path: str, seconds: float) -> Iterator[None]:
    locker = subprocess.Popen(
        [sys.executable, SCRIPT, "lock", path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        if _read_line(locker, 10) != "locked":
            raise RuntimeError("the lock-holding process did not take the lock")
        yield
    finally:
        locker.kill()
        locker.wait()


# -- running client processes ----------------------------------------------------------------------


@dataclass
class Run:
    """Client processes, from "go" until they are done (or past their bound)."""

    workers: list[tuple[Spec, subprocess.Popen[str]]]
    go: float = 0.0

    def results(self) -> list[Result | None]:
        found: list[Result | None] = []
        for spec, _ in self.workers:
            path = Path(spec.result)
            found.append(Result(**json.loads(path.read_text())) if path.exists() else None)
        return found


@contextmanager
def client_processes(specs: list[Spec], logs: Path) -> Iterator[Run]:
    """Start one process per spec; yield once each has warmed up and waits for "go"."""
    workers = []
    for spec in specs:
        log = (logs / f"{spec.prefix}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "worker", json.dumps(asdict(spec))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        workers.append((spec, process))
    run = Run(workers)
    try:
        deadline = time.monotonic() + READY_SECONDS
        for spec, process in workers:
            if _read_line(process, max(deadline - time.monotonic(), 0)) != "ready":
                tail = (logs / f"{spec.prefix}.log").read_text()[-2000:]
                raise RuntimeError(f"a client process did not get ready:\n{tail}")
        yield run
    finally:
        for _, process in workers:
            if process.poll() is None:
                process.kill()
            process.wait()


def go(run: Run) -> None:
    run.go = time.monotonic()
    for _, process in run.workers:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def wait_done(run: Run, until: float) -> bool:
    """Wait for every client process until ``until`` (monotonic); whether they all ended."""
    for _, process in run.workers:
        try:
            process.wait(timeout=max(until - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            return False
    return True


def sleep_while_running(run: Run, until: float) -> None:
    """Sleep until ``until`` (monotonic), or less if every client process has ended."""
    while time.monotonic() < until and any(p.poll() is None for _, p in run.workers):
        time.sleep(0.02)


# -- the table -----------------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    calls: int
    wall: float | None  # None: timed out
    ideal: float
    too_many: int
    lost: int
    twice: int
    target: str
    missed: list[str]  # the targets missed, with the figure that missed them
    seen: str = ""  # a figure the columns do not show (warnings, calls/s)
    bound: float = 0.0
    skipped: str = ""

    def line(self) -> str:
        if self.skipped:
            cells = [self.scenario, str(self.calls), self.skipped] + ["—"] * 5
            verdict = "NO: " + ", ".join(self.missed) if self.missed else "skipped"
            return "| " + " | ".join([*cells, self.target, verdict]) + " |"
        wall = f"timed out (> {self.bound:.0f})" if self.wall is None else f"{self.wall:.1f}"
        ratio = "—" if self.wall is None else f"{self.wall / self.ideal:.2f}x"
        met = "yes" if not self.missed else "NO: " + ", ".join(self.missed)
        if self.seen and not any(self.seen in missed for missed in self.missed):
            met += f" ({self.seen})"
        cells = [self.scenario, str(self.calls), wall, f"{self.ideal:.1f}", ratio]
        cells += [str(self.too_many), str(self.lost), str(self.twice), self.target, met]
        return "| " + " | ".join(cells) + " |"


@dataclass
class Measured:
    calls: int
    wall: float | None
    too_many: int
    lost: int
    twice: int
    warnings: int
    applied: int
    results: list[Result | None]


def measure(base_url: str, run: Run, specs: list[Spec], done: bool) -> Measured:
    """The server's counts for the timed calls (keys ``<prefix>-<n>``) and the processes'."""
    seen = stats(base_url)
    applied: dict[str, int] = seen["applied"]
    expected = {f"{spec.prefix}-{n}" for spec in specs for n in range(spec.calls)}
    counts = [applied.get(key, 0) for key in expected]
    results = run.results()
    timed_out = not done or any(r is None or r.timed_out for r in results)
    finished = [r.finished for r in results if r is not None]
    wall = None if timed_out or not finished else max(finished) - run.go
    return Measured(
        calls=len(expected),
        wall=wall,
        too_many=int(seen["statuses"].get("429", 0)),
        lost=counts.count(0),
        twice=sum(count - 1 for count in counts if count > 1),
        warnings=sum(r.warnings for r in results if r is not None),
        applied=sum(1 for count in counts if count),
        results=results,
    )


def report(label: str, measured: Measured) -> None:
    """What the table leaves out, on stderr: errors raised, warnings logged, the slowest call."""
    wall = "timed out" if measured.wall is None else f"{measured.wall:.1f} s"
    print(f"  {label}: wall {wall}, {measured.applied}/{measured.calls} applied", file=sys.stderr)
    for n, result in enumerate(measured.results):
        if result is None:
            print(f"    process {n}: no result (killed past its bound)", file=sys.stderr)
            continue
        print(
            f"    process {n}: {result.completed} ok, slowest call {result.slowest:.1f} s, "
            f"{result.warnings} warnings, errors {result.errors or 'none'}",
            file=sys.stderr,
        )
        for text in result.warning_samples + result.error_samples:
            print(f"      {text}", file=sys.stderr)


def checks(measured: Measured, max_wall: float | None) -> list[str]:
    missed = []
    if measured.wall is None:
        missed.append("timed out")
    elif max_wall is not None and measured.wall > max_wall:
        missed.append(f"wall {measured.wall:.1f} > {max_wall:.1f}")
    if measured.lost:
        missed.append(f"{measured.lost} lost")
    if measured.twice:
        missed.append(f"{measured.twice} applied twice")
    return missed


# -- the scenarios -------------------------------------------------------------------------------


@dataclass
class Bench:
    base_url: str
    quick: bool
    tmp: Path
    redis: str | None  # the redis-server binary, or None: the Redis scenarios are skipped
    rows: list[Row] = field(default_factory=list)

    def spec(self, tag: str, store: str, calls: int, deadline: float, **more: Any) -> Spec:
        """A client process's spec; ``tag`` names the scenario (its credential and keys)."""
        prefix = f"{tag}-{uuid.uuid4().hex[:8]}"
        result = str(self.tmp / f"{prefix}.json")
        api_key = f"sk_faults_{tag}"  # one credential per scenario: one budget per scenario
        return Spec(self.base_url, api_key, store, prefix, calls, result, deadline, **more)

    def skip_without_redis(self, scenario: str, calls: int, target: str) -> bool:
        if self.redis:
            return False
        reason = "redis-server not installed"
        print(f"{scenario}: {reason}, skipped", file=sys.stderr)
        skipped = f"skipped: {reason}"
        self.rows.append(Row(scenario, calls, None, 0, 0, 0, 0, target, [], skipped=skipped))
        return True

    # 1
    def redis_killed(self) -> None:
        workers, each = (4, 30) if self.quick else (4, 60)
        kill_at, down_for = (2.0, 1.5) if self.quick else (4.0, 2.0)
        calls = workers * each
        ideal = calls / RATE
        scenario = (
            f"Redis SIGKILLed at {kill_at:g} s, back {down_for:g} s later: "
            f"{workers} processes x {each}, {IN_FLIGHT} in flight each"
        )
        target = "0 lost, 0 twice, ≤ 1.5x ideal"
        if self.skip_without_redis(scenario, calls, target):
            return
        assert self.redis
        bound = 3 * ideal + 30
        reset(self.base_url, "fixed")
        with redis_server(self.redis) as redis:
            # Each process a worker draining a queue, a few calls in flight: calls keep booking
            # their starts all through the run, before, during and after the outage.
            specs = [
                self.spec("killed", f"redis:{redis.url}", each, bound, in_flight=IN_FLIGHT)
                for _ in range(workers)
            ]
            with client_processes(specs, self.tmp) as run:
                go(run)
                sleep_while_running(run, run.go + kill_at)
                redis.kill()
                time.sleep(down_for)
                redis.start()  # the same port, empty
                done = wait_done(run, run.go + bound + 10)
                measured = measure(self.base_url, run, specs, done)
        report(scenario, measured)
        self.rows.append(self.row(scenario, measured, ideal, target, 1.5 * ideal, bound))

    # 2
    def redis_frozen(self) -> None:
        calls, frozen_for = (10, 12.0) if self.quick else (20, 20.0)
        scenario = f"Redis SIGSTOPped for {frozen_for:.0f} s: {calls} calls, 1 process"
        target = "≤ 10 s, 0 lost, 0 twice, 1 warning"
        if self.skip_without_redis(scenario, calls, target):
            return
        assert self.redis
        bound = frozen_for + 30
        reset(self.base_url, "fixed")
        with redis_server(self.redis) as redis:
            specs = [self.spec("frozen", f"redis:{redis.url}", calls, bound)]
            with client_processes(specs, self.tmp) as run:
                redis.freeze()
                try:
                    go(run)
                    sleep_while_running(run, run.go + frozen_for)
                finally:
                    redis.thaw()
                done = wait_done(run, run.go + bound + 10)
                measured = measure(self.base_url, run, specs, done)
        report(scenario, measured)
        self.rows.append(self.warned_row(scenario, measured, calls / RATE, target, bound))

    # 3
    def sqlite_locked(self) -> None:
        calls, locked_for = (10, 30.0) if self.quick else (20, 60.0)
        scenario = (
            f"SQLite store write-locked by another process ({locked_for:.0f} s): {calls} calls"
        )
        target = "≤ 10 s, 0 lost, 0 twice, 1 warning"
        bound = locked_for + 30
        reset(self.base_url, "fixed")
        path = self.tmp / "locked.sqlite3"
        specs = [self.spec("locked", f"sqlite:{path}", calls, bound)]
        with client_processes(specs, self.tmp) as run, sqlite_locked(str(path), locked_for):
            go(run)
            done = wait_done(run, run.go + bound + 10)
            measured = measure(self.base_url, run, specs, done)
        report(scenario, measured)
        self.rows.append(self.warned_row(scenario, measured, calls / RATE, target, bound))

    # 4
    def redis_slow(self) -> None:
        calls, in_flight = (20, 10) if self.quick else (40, 20)
        ideal = calls / RATE
        scenario = f"Redis at +200 ms round trip: {calls} calls, {in_flight} in flight"
        min_rate = 5.0
        target = f"≥ {min_rate:.0f} calls/s, 0 lost, 0 twice"
        if self.skip_without_redis(scenario, calls, target):
            return
        assert self.redis
        bound = 60.0
        reset(self.base_url, "fixed")
        with redis_server(self.redis) as redis:
            port = free_port()
            proxy = [sys.executable, SCRIPT, "proxy", str(port), str(redis.port), "0.1"]
            with background(proxy, port):
                url = f"redis://127.0.0.1:{port}/0"
                specs = [self.spec("slow", f"redis:{url}", calls, bound, in_flight=in_flight)]
                with client_processes(specs, self.tmp) as run:
                    go(run)
                    done = wait_done(run, run.go + bound + 10)
                    measured = measure(self.base_url, run, specs, done)
        report(scenario, measured)
        wall = measured.wall if measured.wall is not None else bound
        rate = measured.applied / wall
        missed = checks(measured, None)
        if rate < min_rate:
            missed.append(f"{rate:.1f} calls/s")
        row = self.row(scenario, measured, ideal, target, None, bound)
        row.missed, row.seen = missed, f"{rate:.1f} calls/s"
        self.rows.append(row)

    # 5
    def clock_step(self) -> None:
        calls = 10 if self.quick else 20
        ideal = calls / RATE
        step_after = ideal / 2
        scenario = f"time.time steps back 30 s mid-run: {calls} calls, 4 in flight, timeout=5"
        target = "≤ 1.5x ideal, 0 lost, 0 twice"
        bound = 60.0
        reset(self.base_url, "fixed")
        # A few at a time, so that some calls book their start after the step.
        spec = self.spec(
            "step",
            "memory",
            calls,
            bound,
            in_flight=4,
            timeout=5.0,
            clock_offset=30.0,  # 30 s ahead of the server's clock until NTP steps it back
            step_after=step_after,
            step_by=-30.0,
        )
        with client_processes([spec], self.tmp) as run:
            go(run)
            done = wait_done(run, run.go + bound + 10)
            measured = measure(self.base_url, run, [spec], done)
        report(scenario, measured)
        row = self.row(scenario, measured, ideal, target, 1.5 * ideal, bound)
        slowest = [r.slowest for r in measured.results if r is not None]
        if slowest:
            row.seen = f"slowest call {max(slowest):.1f} s"
        self.rows.append(row)

    # 6
    def clock_skew(self, kind: str) -> None:
        each = 25 if self.quick else 50
        calls = 2 * each
        ideal = calls / RATE
        label = "SQLite" if kind == "sqlite" else "Redis"
        plain = f"Clock skew, {label} store, reference: 2 processes x {each}, no skew"
        skewed = f"Clock skew, {label} store: 2 processes x {each}, one at time.time +10 s"
        if kind == "redis" and not self.redis:
            self.skip_without_redis(plain, calls, "0 lost, 0 twice")
            self.skip_without_redis(skewed, calls, "≤ 1.5x the reference, 0 lost, 0 twice")
            return
        bound = 60.0
        walls: list[float | None] = []
        with ExitStack() as stack:
            redis = None
            if kind == "redis" and self.redis:
                redis = stack.enter_context(redis_server(self.redis))
            for offset in (0.0, 10.0):
                reset(self.base_url, "fixed")
                tag = f"skew{int(offset)}-{kind}"
                if redis is not None:
                    store = f"redis:{redis.url}"
                else:
                    path = self.tmp / f"{tag}.sqlite3"
                    _create_sqlite_store(
                        self.base_url, path
                    )  # set up once, not raced by the two processes
                    store = f"sqlite:{path}"
                specs = [
                    self.spec(tag, store, each, bound),
                    self.spec(tag, store, each, bound, clock_offset=offset),
                ]
                with client_processes(specs, self.tmp) as run:
                    go(run)
                    done = wait_done(run, run.go + bound + 10)
                    measured = measure(self.base_url, run, specs, done)
                report(skewed if offset else plain, measured)
                walls.append(measured.wall)
                if not offset:
                    row = self.row(plain, measured, ideal, "0 lost, 0 twice", None, bound)
                else:
                    reference = walls[0]
                    limit = 1.5 * reference if reference is not None else None
                    target = "≤ 1.5x the reference, 0 lost, 0 twice"
                    if limit is not None:
                        target = f"≤ 1.5x the reference ({limit:.1f}), 0 lost, 0 twice"
                    row = self.row(skewed, measured, ideal, target, limit, bound)
                    if reference is None:
                        row.missed.append("no reference")
                row.seen = f"{measured.warnings} warnings"
                self.rows.append(row)

    def clock_skews(self) -> None:
        self.clock_skew("sqlite")
        self.clock_skew("redis")

    def row(
        self,
        scenario: str,
        measured: Measured,
        ideal: float,
        target: str,
        max_wall: float | None,
        bound: float,
    ) -> Row:
        return Row(
            scenario,
            measured.calls,
            measured.wall,
            ideal,
            measured.too_many,
            measured.lost,
            measured.twice,
            target,
            checks(measured, max_wall),
            bound=bound,
        )

    def warned_row(
        self, scenario: str, measured: Measured, ideal: float, target: str, bound: float
    ) -> Row:
        """A one-outage row: ≤ 10 s, and exactly one warning logged."""
        row = self.row(scenario, measured, ideal, target, 10.0, bound)
        if measured.warnings != 1:
            row.missed.append(f"{measured.warnings} warnings")
        row.seen = f"{measured.warnings} warning" + ("s" if measured.warnings != 1 else "")
        return row


def _create_sqlite_store(base_url: str, path: Path) -> None:
    """Make the store's file with one call through it (another credential: another bucket)."""
    from light_client import SQLiteRateLimitStore, SyncLightClient

    store = SQLiteRateLimitStore(path)
    with SyncLightClient(
        api_key="sk_faults_setup", base_url=base_url, rate_limit_store=store
    ) as light:
        light.customers.update(uuid.uuid4(), name="set-up", idempotency_key=f"setup-{uuid.uuid4()}")
    store.close()


SCENARIOS: dict[str, Callable[[Bench], None]] = {
    "1": Bench.redis_killed,
    "2": Bench.redis_frozen,
    "3": Bench.sqlite_locked,
    "4": Bench.redis_slow,
    "5": Bench.clock_step,
    "6": lambda bench: bench.clock_skews(),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, shorter faults")
    parser.add_argument(
        "--only", default="", help="scenarios to run, by number: --only 2,3 (default: all)"
    )
    args = parser.parse_args()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(SCENARIOS)
    unknown = [n for n in chosen if n not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}: choose among {', '.join(SCENARIOS)}")
    redis_binary = shutil.which("redis-server")
    try:
        import redis  # noqa: F401  (the [redis] extra: RedisRateLimitStore needs it)
    except ModuleNotFoundError:
        print("redis-py not installed (the [redis] extra)", file=sys.stderr)
        redis_binary = None
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory() as tmp,
        background([sys.executable, bench_ratelimit.__file__, "serve", str(port)], port),
    ):
        bench = Bench(base_url, args.quick, Path(tmp), redis_binary)
        for number in chosen:
            print(f"scenario {number}...", file=sys.stderr)
            try:
                SCENARIOS[number](bench)
            except Exception as exc:  # the bench's own failure: reported, the others still run
                print(f"scenario {number} failed: {exc!r}", file=sys.stderr)
                failed = Row(f"scenario {number}", 0, None, 1.0, 0, 0, 0, "—", ["bench failed"])
                failed.skipped = f"failed ({type(exc).__name__}, see stderr)"
                bench.rows.append(failed)
    print(f"(took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    print(
        f"Server: {SERVER_RATE} requests/s (fixed one-second windows); clients pace at "
        f"{RPM}/min; wall and ideal in seconds.\n"
    )
    print(
        "| scenario | calls | wall time | ideal | ratio | 429s | lost | applied twice "
        "| target | met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in bench.rows:
        print(row.line())
    return 1 if any(row.missed for row in bench.rows) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "worker":
        worker_spec = Spec(**json.loads(sys.argv[2]))
        install_clock(worker_spec)  # before light_client is imported
        asyncio.run(client_process(worker_spec))
    elif command == "lock":
        hold_lock(sys.argv[2], float(sys.argv[3]))
    elif command == "proxy":
        asyncio.run(latency_proxy(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    else:
        os.environ.pop("LIGHT_LOG", None)
        sys.exit(main())
