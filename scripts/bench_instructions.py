"""The SDK's cost per call next to raw httpx in machine instructions: a figure load cannot move.

    make bench-instructions     # or: python scripts/bench_instructions.py [--calls N]

``make bench`` times CPU, which on a shared machine swings by tens of percent from run to
run. This counts the instructions this process executes (valgrind's callgrind, no cache
simulation, a fixed hash seed) for the same update calls against the same loopback server as
``make bench`` (the server runs outside valgrind and is not counted): once with ``N`` calls and
once with none after the same start-up and warm-up, so the difference over ``N`` is one call.
The cases are the pairs whose CPU ratio ``make bench`` checks -- the async client at one call at
a time, and the sync client -- plus raw httpx on a client that, like the SDK's own pool, keeps
no cookies (httpx's default client searches every answer for them). Instructions are not time:
a call that touches more code also waits more on memory, so this complements the CPU table
rather than replacing it. Between runs the figures differ by well under 1%. Needs valgrind
(Debian: ``apt-get install valgrind``). Prints and exits 0; 2 without valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bench
from _loopback import background, free_port

WARM_UP = 20
# The cases, as make bench names them (and raw httpx on a client that, like the SDK's own pool,
# keeps no cookies), and the (raw, SDK, target) of each ratio printed.
CASES = (
    "raw httpx.AsyncClient",
    "raw httpx.AsyncClient, no cookies",
    "SDK (LightClient)",
    "raw httpx.Client",
    "raw httpx.Client, no cookies",
    "SyncLightClient",
)
PAIRS = (
    ("raw httpx.AsyncClient", "SDK (LightClient)", "≤ 1.15x"),
    ("raw httpx.AsyncClient, no cookies", "SDK (LightClient)", "(info)"),
    ("raw httpx.Client", "SyncLightClient", "≤ 1.2x"),
    ("raw httpx.Client, no cookies", "SyncLightClient", "(info)"),
)
SYNC = ("raw httpx.Client", "raw httpx.Client, no cookies", "SyncLightClient")


def run(case: str, calls: int, port: int) -> None:
    """In the counted process: ``WARM_UP + calls`` calls of ``case``, the server already up."""
    cases = bench.Cases(f"http://127.0.0.1:{port}")
    if case in SYNC:
        with cases.sync_pair(raw_cookies="no cookies" not in case) as (raw, sdk):
            call = raw if case.startswith("raw") else sdk
            for _ in range(WARM_UP + calls):
                call()
        return
    transport = "httpx, no cookies" if "no cookies" in case else "httpx"
    make = cases.raw_httpx(transport) if case.startswith("raw") else cases.sdk("httpx")

    async def go() -> None:
        cases.closers = []
        call = await make()
        for _ in range(WARM_UP + calls):
            await call()
        for close in cases.closers:
            await close()

    asyncio.run(go())


def count(case: str, calls: int, port: int) -> int:
    """Instructions of a whole process that runs ``case`` ``calls`` times."""
    completed = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--cache-sim=no",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "run",
            case,
            str(calls),
            str(port),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dicts and sets in every process
    )
    found = re.search(r"Collected : (\d+)", completed.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{completed.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    port = free_port()
    jobs = [(case, calls) for case in CASES for calls in (0, args.calls)]
    with (
        background(
            [sys.executable, str(Path(__file__).with_name("bench.py")), "serve", str(port)], port
        ),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        print(f"counting {len(jobs)} processes under valgrind (a few minutes)", file=sys.stderr)
        totals = dict(
            zip(jobs, pool.map(lambda job: count(job[0], job[1], port), jobs), strict=True)
        )
    per_call = {case: (totals[case, args.calls] - totals[case, 0]) / args.calls for case in CASES}
    print(f"\ninstructions per call, {args.calls} calls after {WARM_UP} (callgrind)\n")
    print("| client | c | instructions per call |")
    print("|---|---|---|")
    for case in CASES:
        print(f"| {case} | 1 | {per_call[case]:,.0f} |")
    print("\n| ratio | value | make bench's CPU target |")
    print("|---|---|---|")
    for raw, sdk, target in PAIRS:
        value = per_call[sdk] / per_call[raw]
        print(f"| {sdk} / {raw}, instructions per call | {value:.3f}x | {target} |")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(main())
