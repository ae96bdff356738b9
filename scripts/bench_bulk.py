"""`make bench-bulk`: the figures of the bulk-update command against the Light mock (~2 minutes).

1. 100,000 rows streamed with ``--dry-run``: the command's peak memory (target < 100 MB).
2. 3 bad rows among 1,000: exit 2, each reported with its line, nothing sent.
3. 1,000 updates with the mock limited to 600 per minute and the command at 600 per minute: all
   applied once, no 429, wall time within 1.05x of the ideal 100 s.

The command runs as users run it (``python -m light_client``, a subprocess); the mock runs in
this process on a free loopback port, and counts what it applied per idempotency key.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from light_client.mock import LightMock, RateLimit

CUSTOMER = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


def write_rows(path: Path, rows: int, bad: dict[int, list[str]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "vatNumber"])
        for n in range(rows):
            writer.writerow((bad or {}).get(n, [CUSTOMER, f"Customer {n}", f"DK{n:08}"]))
    return path


def command(*arguments: str | Path) -> list[str]:
    return [sys.executable, "-m", "light_client", "customers", "update", *map(str, arguments)]


def run(arguments: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Exit status, wall seconds, peak RSS in MB and stderr of one run of the command."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(arguments, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return (
            process.returncode,
            time.monotonic() - started,
            usage.ru_maxrss / 1024,  # KiB on Linux
            err.read().decode(),
        )


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="light-bench-bulk-"))
    results: list[tuple[str, str, str, bool]] = []
    with LightMock(rate_limit=RateLimit(600, 60.0)) as mock:
        env = {**os.environ, "LIGHT_API_KEY": mock.api_key, "LIGHT_BASE_URL": mock.base_url}

        small = write_rows(work / "1k.csv", 1_000)
        *_, small_peak, _ = run(command("--csv", small, "--dry-run"), env)
        source = write_rows(work / "100k.csv", 100_000)
        status, wall, peak, _ = run(command("--csv", source, "--dry-run"), env)
        results.append(
            (
                "100,000 rows, --dry-run",
                f"exit {status}, {wall:.1f} s, peak RSS {peak:.1f} MB "
                f"(1,000 rows: {small_peak:.1f} MB)",
                "< 100 MB",
                status == 0 and peak < 100,
            )
        )

        bad = {99: ["not-a-uuid", "x", ""], 499: [CUSTOMER, "x"], 899: [CUSTOMER, "", "", "4"]}
        source = write_rows(work / "bad.csv", 1_000, bad)
        status, wall, _, err = run(command("--csv", source), env)
        lines = [line.split(":")[0] for line in err.splitlines() if line.startswith("line ")]
        results.append(
            (
                "1,000 rows, 3 bad",
                f"exit {status}, reported {', '.join(lines)}, {mock.stats.requests} sent",
                "exit 2, lines 101, 501, 901, 0 sent",
                status == 2
                and lines == ["line 101", "line 501", "line 901"]
                and mock.stats.requests == 0,
            )
        )

        source = write_rows(work / "1000.csv", 1_000)
        journal = work / "job.sqlite3"
        arguments = command(
            "--csv", source, "--journal", journal, "--max-requests-per-minute", "600"
        )
        status, wall, _, _ = run(arguments, env)
        applied, twice = len(mock.stats.applied), sum(n > 1 for n in mock.stats.applied.values())
        too_many = mock.stats.statuses[429]
        ideal = 100.0
        results.append(
            (
                "1,000 updates, mock and client at 600/min",
                f"exit {status}, {applied} applied, {twice} twice, {too_many} 429s, "
                f"wall {wall:.1f} s = {wall / ideal:.3f}x the ideal {ideal:.0f} s",
                "all applied once, 0 429s, <= 1.05x",
                status == 0 and applied == 1_000 and twice == 0 and too_many == 0
                and wall <= 1.05 * ideal,
            )
        )  # fmt: skip

    print("| scenario | measured | target | met |")
    print("|---|---|---|---|")
    for scenario, measured, target, met in results:
        print(f"| {scenario} | {measured} | {target} | {'yes' if met else 'NO'} |")
    return 0 if all(met for *_, met in results) else 1


if __name__ == "__main__":
    sys.exit(main())
