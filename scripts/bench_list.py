"""`make bench-list`: streaming a long list through the SDK, next to raw httpx + json.loads.

A server process on loopback serves 40,000 customers in pages of 200 (Light's list contract:
``cursor=0``, then ``nextCursor``); each record is a whole Customer (the seed answer's shape). In
this process, in interleaved rounds, the SDK (``SyncLightClient.customers.list``: every page
through the client's rate limit off, retries, schema check and typed models) and raw httpx
(``httpx.Client.get`` + ``json.loads``, the records as dicts) walk the whole list. It prints
records per second and CPU per record for both, their ratio (target: at most 4x; the SDK checks
every record against the schema and builds typed models, which raw dicts do not), the RSS
growth while the SDK streams after a warm-up run (target: at most 30 MB: one page is held at
a time), and where the
SDK's CPU per record goes, measured piece by piece on one page.
"""

from __future__ import annotations

import http.server
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _loopback import background, free_port

ROOT = Path(__file__).resolve().parent.parent
TOTAL = 40_000
PAGE = 200
ROUNDS = 3
API_KEY = "sk_bench_0000000000000000"


def page_bytes() -> dict[str, bytes]:
    """Every page's body, by the cursor that asks for it."""
    seed = json.loads((ROOT / "tests" / "data" / "seed_customer_response.json").read_text())
    pages: dict[str, bytes] = {}
    for start in range(0, TOTAL, PAGE):
        end = start + PAGE
        records = [{**seed, "id": f"00000000-0000-4000-8000-{n:012d}"} for n in range(start, end)]
        more = end < TOTAL
        body = {"records": records, "hasMore": more, "nextCursor": f"p{end}" if more else None}
        pages["0" if start == 0 else f"p{start}"] = json.dumps(body).encode()
    return pages


def serve(port: int) -> None:
    pages = page_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            query = httpx.URL(self.path).params
            body = pages[query.get("cursor", "0")]
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def raw_run(base_url: str) -> tuple[int, float, float]:
    """Records seen, CPU seconds and wall seconds of raw httpx + json.loads over the list."""
    cpu, wall, count = time.process_time(), time.perf_counter(), 0
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Basic {API_KEY}"}) as http:
        cursor: str | None = "0"
        while cursor is not None:
            page = json.loads(
                http.get("/v1/customers", params={"cursor": cursor, "limit": PAGE}).content
            )
            count += len(page["records"])
            cursor = page["nextCursor"] if page["hasMore"] else None
    return count, time.process_time() - cpu, time.perf_counter() - wall


def sdk_run(base_url: str, rss: list[float]) -> tuple[int, float, float]:
    """The same through the SDK; ``rss`` gets the process's RSS every 1,000 records."""
    from light_client import SyncLightClient

    cpu, wall, count = time.process_time(), time.perf_counter(), 0
    with SyncLightClient(api_key=API_KEY, base_url=base_url, max_requests_per_minute=None) as light:
        for customer in light.customers.list(limit=PAGE):
            count += 1
            if count % 1000 == 0:
                rss.append(rss_mb())
            assert customer.id is not None
    return count, time.process_time() - cpu, time.perf_counter() - wall


def where_the_time_goes(page: bytes) -> list[tuple[str, float]]:
    """µs per record of each piece of the SDK's work on a page, measured on its own."""
    from light_client._runtime.validation import _surely_valid
    from light_client.models import CustomerPage

    document = json.loads(page)
    _surely_valid("CustomerPage", document, from_json=True)  # compiled once, on first use
    pieces: dict[str, Callable[[], object]] = {
        "json.loads": lambda: json.loads(page),
        "schema check (jsonschema-rs)": lambda: _surely_valid(
            "CustomerPage", document, from_json=True
        ),
        "typed models (from_dict)": lambda: CustomerPage.from_dict(document),
    }
    timed = []
    for name, piece in pieces.items():
        runs = []
        for _ in range(20):
            started = time.process_time()
            piece()
            runs.append(time.process_time() - started)
        timed.append((name, statistics.median(runs) / PAGE * 1e6))
    return timed


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return 0
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with background([sys.executable, __file__, "--serve", str(port)], port):
        raw_run(base_url)  # warm-up: the server's pages, the connection, the imports
        sdk_run(base_url, [])  # warm-up: the models, the compiled schema, the pool
        rss: list[float] = []
        start_rss = rss_mb()
        raw, sdk = [], []
        for number in range(ROUNDS):
            print(f"round {number + 1} of {ROUNDS}", flush=True)
            raw.append(raw_run(base_url))
            sdk.append(sdk_run(base_url, rss))
        first_page = httpx.get(f"{base_url}/v1/customers", params={"cursor": "0"}).content
    assert all(count == TOTAL for count, _, _ in raw + sdk), "a run did not see every record"
    raw_cpu = statistics.median(cpu for _, cpu, _ in raw) / TOTAL * 1e6
    sdk_cpu = statistics.median(cpu for _, cpu, _ in sdk) / TOTAL * 1e6
    raw_rate = TOTAL / statistics.median(wall for _, _, wall in raw)
    sdk_rate = TOTAL / statistics.median(wall for _, _, wall in sdk)
    growth = max(rss) - start_rss
    print(f"\n{TOTAL:,} records in pages of {PAGE}; {ROUNDS} rounds, interleaved; medians\n")
    print("| client | records/s | CPU µs/record |\n|---|---|---|")
    print(f"| raw httpx + json.loads (dicts) | {raw_rate:,.0f} | {raw_cpu:.1f} |")
    print(f"| SDK (SyncLightClient.customers.list) | {sdk_rate:,.0f} | {sdk_cpu:.1f} |")
    ratio = sdk_cpu / raw_cpu
    print("\n| figure | value | target | met |\n|---|---|---|---|")
    print(f"| SDK / raw, CPU per record | {ratio:.2f}x | ≤ 4x | {'yes' if ratio <= 4 else 'NO'} |")
    print(
        f"| RSS growth while the SDK streams {TOTAL:,} records, {ROUNDS} times over | "
        f"{growth:.1f} MB | ≤ 30 MB | {'yes' if growth <= 30 else 'NO'} |"
    )
    print("\nwhere the SDK's CPU per record goes (each piece timed alone on one page):\n")
    print("| piece | µs/record |\n|---|---|")
    pieces = where_the_time_goes(first_page)
    for name, micros in pieces:
        print(f"| {name} | {micros:.1f} |")
    rest = sdk_cpu - sum(micros for _, micros in pieces)
    print(f"| the rest: HTTP, the request flow, the paginator | {rest:.1f} |")
    return 0 if ratio <= 4 and growth <= 30 else 1


if __name__ == "__main__":
    raise SystemExit(main())
