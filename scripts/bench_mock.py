"""Mock benchmark: the median keep-alive call to the Light mock, in-process and out of process.

    make bench-mock       # or: python scripts/bench_mock.py [--calls 200] [--rounds 5] [--against REV ...]

What a user's test suite pays per call: a ``SyncLightClient`` (no pacing of its own) calls
``customers.get`` on one kept-alive connection, against ``LightMock`` running in a thread of the
same process, and against ``python -m light_client.mock`` in a subprocess. Each mock allows a
million requests a minute, as the pytest plugin's do. The same measurement runs against older
trees of the repository (``git archive`` of each ``--against`` revision, imported first on
``PYTHONPATH``), interleaved round by round so that the machine's drift falls on all alike; the
first call of each round (connecting) is not counted. By default the trees are
``941caee^`` (before the mock set TCP_NODELAY) and ``cd69a98``. Wall-clock figures: run it on a
quiet machine. Exit 1 when this tree's median is over the target (3 ms) in either place.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 3.0
DEFAULT_AGAINST = ("941caee^", "cd69a98")
NOTES = {"941caee^": "before TCP_NODELAY"}
UNPACED = 1_000_000  # requests a minute: the pytest plugin's mocks


def _calls(base_url: str, api_key: str, customer_id: str, calls: int) -> list[float]:
    """Seconds per call of ``calls`` keep-alive calls (after one that connects)."""
    from light_client import SyncLightClient

    timings = []
    with SyncLightClient(api_key=api_key, base_url=base_url, max_requests_per_minute=None) as light:
        light.customers.get(customer_id)  # connects: not counted
        for _ in range(calls):
            started = time.perf_counter()
            light.customers.get(customer_id)
            timings.append(time.perf_counter() - started)
    return timings


def in_process(calls: int) -> list[float]:
    """``LightMock`` in a thread of this process."""
    from light_client.mock import LightMock, RateLimit

    with LightMock(rate_limit=RateLimit(UNPACED, 60.0)) as mock:
        return _calls(mock.base_url, mock.api_key, mock.customer_id, calls)


def out_of_process(calls: int) -> list[float]:
    """``python -m light_client.mock`` in a subprocess (the same ``PYTHONPATH``)."""
    command = [sys.executable, "-m", "light_client.mock", "--port", "0"]
    command += ["--rate-limit", str(UNPACED)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        printed: dict[str, str] = {}
        while "CUSTOMER_ID" not in printed:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("python -m light_client.mock exited before printing its URL")
            name, _, value = line.strip().partition("=")
            printed[name] = value
        try:
            return _calls(
                printed["LIGHT_BASE_URL"], printed["LIGHT_API_KEY"], printed["CUSTOMER_ID"], calls
            )
        finally:
            server.terminate()


def worker(where: str, calls: int) -> None:
    """One measurement, printed as JSON: what the parent runs per tree and round."""
    import light_client

    timings = in_process(calls) if where == "in" else out_of_process(calls)
    print(json.dumps({"module": light_client.__file__, "timings": timings}))


def measure(tree: Path, where: str, calls: int) -> list[float]:
    """Run this script's worker with ``tree`` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, __file__, "--worker", where, "--calls", str(calls)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    if not Path(answer["module"]).is_relative_to(tree):
        raise RuntimeError(f"{tree}: imported light_client from {answer['module']}")
    timings: list[float] = answer["timings"]
    return timings


def exported(revision: str, into: Path) -> Path:
    """The tree of ``revision``, written under ``into``."""
    tree = into / revision.replace("^", "-parent")
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
        capture_output=True,
        check=True,
    ).stdout
    archive_path = into / "tree.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(tree, filter="data")
    archive_path.unlink()
    return tree


def label(revision: str) -> str:
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    note = NOTES.get(revision)
    return f"{revision} ({sha}{', ' + note if note else ''})" if sha != revision else revision


def table(rows: list[tuple[str, float, float]], calls: int, rounds: int) -> list[str]:
    """The printed table: per tree, the median milliseconds per call in each place."""
    lines = [
        f"bench_mock: median per keep-alive call (SyncLightClient, customers.get), "
        f"{rounds} rounds x {calls} calls, trees interleaved",
        f"{'tree':<44} {'in-process':>12} {'out of process':>15}",
    ]
    lines += [f"{name:<44} {inside:9.2f} ms {outside:12.2f} ms" for name, inside, outside in rows]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=200, help="counted calls per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, trees interleaved")
    parser.add_argument("--against", nargs="*", default=list(DEFAULT_AGAINST), help="revisions")
    parser.add_argument("--worker", choices=["in", "out"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.calls)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-mock-") as scratch:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        trees = {f"this tree (at {head})": ROOT}
        trees |= {label(rev): exported(rev, Path(scratch)) for rev in args.against}
        timings: dict[tuple[str, str], list[float]] = {}
        for round_number in range(args.rounds):
            for name, tree in trees.items():
                for where in ("in", "out"):
                    timings.setdefault((name, where), [])
                    timings[(name, where)] += measure(tree, where, args.calls)
            print(f"bench_mock: round {round_number + 1} of {args.rounds} done", file=sys.stderr)
    rows = [
        (
            name,
            statistics.median(timings[(name, "in")]) * 1000,
            statistics.median(timings[(name, "out")]) * 1000,
        )
        for name in trees
    ]
    print("\n".join(table(rows, args.calls, args.rounds)))
    _, inside, outside = rows[0]
    met = inside <= TARGET_MS and outside <= TARGET_MS
    print(
        f"bench_mock: target <= {TARGET_MS:g} ms per call in both places: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
