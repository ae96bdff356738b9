"""``light-client <resource> list``: export a list as JSON Lines, every page, at Light's pace.

    light-client customers list --filter status:eq:ACTIVE --sort name:asc --jsonl customers.jsonl

One JSON object per line, as Light's JSON has the record (``-`` writes to standard output). The
query options are the list operation's own query parameters, from openapi.yaml. Progress goes to
standard error: a tqdm bar on a terminal with the ``cli`` extra, else a line every 5 s.
Exit status: 0 every page written, 1 the listing failed (the records written so far stay),
2 bad input (nothing sent).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from ._client import SyncLightClient
from ._core.constants import DEFAULT_MAX_REQUESTS_PER_MINUTE
from ._runtime.errors import LightError
from ._runtime.operation import Operation

__all__ = ["add_list_action", "run_list"]

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


def add_list_action(actions: Any, name: str, operation: Operation[Any]) -> None:
    """The ``list`` action of a resource, with one option per query parameter but the cursor."""
    listing = actions.add_parser(
        "list",
        help=f"export {name} as JSON Lines, every page",
        description=f"Export {name} as JSON Lines: {operation.method} {operation.path}, page "
        "after page (Light's cursor pagination), one record per line.",
    )
    listing.add_argument(
        "--jsonl", required=True, metavar="PATH", help="where the records go (- for stdout)"
    )
    for parameter in operation.query_parameters:
        if parameter.name == "cursor":
            continue
        option = "--" + parameter.python_name.rstrip("_").replace("_", "-")
        listing.add_argument(option, dest=f"query_{parameter.python_name}", metavar="VALUE")
    listing.add_argument(
        "--max-requests-per-minute",
        type=int,
        default=DEFAULT_MAX_REQUESTS_PER_MINUTE,
        metavar="N",
        help=f"the pace (default {DEFAULT_MAX_REQUESTS_PER_MINUTE}, Light's limit per key)",
    )
    listing.add_argument(
        "--base-url", metavar="URL", help="default: LIGHT_BASE_URL, else https://api.light.inc"
    )


def _query(args: argparse.Namespace) -> dict[str, Any]:
    given = {
        name.removeprefix("query_"): value
        for name, value in vars(args).items()
        if name.startswith("query_") and value is not None
    }
    if "limit" in given:
        given["limit"] = int(given["limit"])
    return given


def run_list(args: argparse.Namespace, attribute: str) -> int:
    try:
        query = _query(args)
        light = SyncLightClient(
            base_url=args.base_url, max_requests_per_minute=args.max_requests_per_minute
        )
    except (LightError, ValueError) as exc:
        print(f"light-client: {exc}", file=sys.stderr)
        return 2
    written = 0
    progress = _Progress()
    try:
        with light, _output(args.jsonl) as out:
            for record in getattr(light, attribute).list(**query):
                out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
                written += 1
                progress.advance(written)
    except (LightError, ValueError, TypeError) as exc:
        progress.close()
        print(f"light-client: {exc} ({written} records written)", file=sys.stderr)
        return 1
    progress.close()
    print(f"light-client: {written} records written to {args.jsonl}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(path: str) -> Any:
    if path == "-":
        yield sys.stdout
        return
    stream: IO[str]
    with Path(path).open("w", encoding="utf-8") as stream:
        yield stream


class _Progress:
    """A tqdm counter on a terminal with the ``cli`` extra; else a line every 5 s."""

    def __init__(self) -> None:
        self.last_line = time.monotonic()
        self.bar: Any = None
        if sys.stderr.isatty() and os.environ.get("TERM") != "dumb":
            with contextlib.suppress(ImportError):
                from tqdm import tqdm

                self.bar = tqdm(unit="record", file=sys.stderr, dynamic_ncols=True)

    def advance(self, written: int) -> None:
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_PROGRESS_EVERY:
            self.last_line = now
            print(f"light-client: {written} records", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
