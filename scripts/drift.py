"""How far openapi.yaml has drifted from Light's official OpenAPI document.

    python scripts/drift.py                        # vs tests/data/light-openapi-public.json
    python scripts/drift.py --official URL_OR_PATH # e.g. https://docs.light.inc/openapi-public.json
    python scripts/drift.py --json                 # the same report as JSON, for tools

For each operation openapi.yaml covers, every difference from the official one: properties
added or removed (request body and success answer, nested ones included), type, format,
nullability and `required` changes, enum values added or removed, header parameters, security,
and the operation or its path missing. Differences that openapi.yaml makes on purpose (listed in
its header, e.g. accepting null on object-valued properties) are reported as *known*, not drift.

Exit status: 0 no drift (known differences only), 1 drift, 2 the official document could not be
read. A URL is fetched with the SDK's own timeout and retry policy (light_client._runtime.policy.decide).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import yaml
from spec_compare import Difference, compare_operation, operations

from light_client._core.constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from light_client._runtime.policy import CallState, Pause, Raise, decide
from light_client._version import __version__

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
OFFICIAL = ROOT / "tests" / "data" / "light-openapi-public.json"
PUBLISHED = "https://docs.light.inc/openapi-public.json"

# What each kind of difference means here: openapi.yaml is the base, Light's document the head.
MEANING = {
    "property-added": "Light has a property openapi.yaml lacks",
    "property-removed": "openapi.yaml has a property Light's document lacks",
    "type": "type differs",
    "format": "format differs",
    "nullable": "nullability differs",
    "required": "`required` differs",
    "enum-added": "Light has an enum value openapi.yaml lacks",
    "enum-removed": "openapi.yaml has an enum value Light's document lacks",
    "header-added": "Light declares a header parameter openapi.yaml lacks",
    "header-removed": "openapi.yaml declares a header parameter Light's document lacks",
    "header": "header parameter differs",
    "security": "security differs",
    "path": "the path differs",
    "body-added": "Light declares a body openapi.yaml lacks",
    "body-removed": "openapi.yaml declares a body Light's document lacks",
    "operation-removed": "the operation is not in Light's document",
}


@dataclass(frozen=True)
class Finding:
    difference: Difference
    known: str | None  # why the difference is deliberate (openapi.yaml's header), or None: drift

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.difference.as_dict(),
            "meaning": MEANING.get(self.difference.kind, self.difference.kind),
            "known": self.known,
        }


# Request properties Light's document marks nullable but Light refuses null for: the resource
# cannot hold null there (the mock refuses it too; Schemathesis found the spec admitting it).
NOT_NULL_IN_REQUESTS = frozenset({"areLinesWithTax", "currency", "name"})


def known_reason(difference: Difference) -> str | None:
    """Why openapi.yaml differs on purpose here (see its header), or ``None``: this is drift."""
    if difference.kind == "nullable" and difference.base == "nullable":
        return "openapi.yaml accepts null where Light's document does not (a deliberate widening)"
    if (
        difference.kind == "nullable"
        and difference.side == "request"
        and difference.where in NOT_NULL_IN_REQUESTS
    ):
        return "Light refuses null here, though its document admits it (openapi.yaml says so)"
    if (
        difference.kind == "required"
        and difference.side == "response"
        and difference.base == "required"
    ):
        if difference.where in ("id", "records[].id"):
            return "openapi.yaml types the resource's id as always present (Light always sends it)"
        if difference.where in ("records", "hasMore"):
            return "openapi.yaml types a page's records and hasMore as always present"
    return None


def drift(ours: dict[str, Any], official: dict[str, Any]) -> list[Finding]:
    """Every difference of openapi.yaml's operations from Light's document, classified."""
    findings = []
    for method, path, operation in operations(ours):
        name = operation.get("operationId", f"{method.upper()} {path}")
        for difference in compare_operation(ours, official, method, path, name):
            findings.append(Finding(difference, known_reason(difference)))
    return findings


def fetch_document(
    url: str,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """GET a JSON document, retried as the SDK retries a call (``_retries.decide``)."""
    state = CallState(max_retries)
    headers = {"Accept": "application/json", "User-Agent": f"light-client/{__version__} drift"}
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=True) as http:
        while True:
            outcome: httpx.Response | httpx.TransportError
            try:
                outcome = http.get(url, headers=headers)
            except httpx.TransportError as exc:
                outcome = exc
            if isinstance(outcome, httpx.Response) and outcome.is_success:
                return outcome.json()
            decision = decide(outcome, state, now=time.time())
            if isinstance(decision, Raise):
                what = (
                    f"HTTP {outcome.status_code}"
                    if isinstance(outcome, httpx.Response)
                    else f"{type(outcome).__name__}: {outcome}"
                )
                note = f" ({decision.reason})" if decision.reason else ""
                raise OSError(f"could not read {url}: {what}{note}")
            if isinstance(decision, Pause):
                sleep(max(decision.until - time.time(), 0.0))
            else:
                sleep(decision.delay)
            if decision.costs_retry:
                state = replace(state, retries_done=state.retries_done + 1)
            else:
                state = replace(state, rate_limit_waits=state.rate_limit_waits + 1)


def load_official(source: str) -> Any:
    if source.startswith(("http://", "https://")):
        return fetch_document(source)
    return json.loads(Path(source).read_text(encoding="utf-8"))


def markdown(findings: list[Finding], official: str) -> str:
    """The report for people (a CI job summary)."""
    drifted = [f for f in findings if f.known is None]
    known = [f for f in findings if f.known is not None]
    lines = ["## Drift of openapi.yaml from Light's document", "", f"Compared with `{official}`."]
    if drifted:
        lines.append(f"\n**Drift: {len(drifted)} difference(s)** to bring into openapi.yaml:\n")
        lines += _table(drifted)
    else:
        lines.append("\n**No drift** on the operations openapi.yaml covers.")
    if known:
        lines.append(
            f"\nKnown differences ({len(known)}), deliberate (see openapi.yaml's header):\n"
        )
        lines += _table(known, reasons=True)
    return "\n".join(lines) + "\n"


def _table(findings: list[Finding], *, reasons: bool = False) -> list[str]:
    head = "| operation | side | where | difference | openapi.yaml | Light |"
    rows = [head + (" why |" if reasons else ""), "|---" * (7 if reasons else 6) + "|"]
    for finding in findings:
        d = finding.difference
        row = (
            f"| {d.operation} | {d.side} | `{d.where}` | {MEANING.get(d.kind, d.kind)} "
            f"| {d.base or ''} | {d.head or ''} |"
        )
        rows.append(row + (f" {finding.known} |" if reasons else ""))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--official",
        default=str(OFFICIAL),
        help=f"Light's OpenAPI document: a path or a URL (published at {PUBLISHED})",
    )
    parser.add_argument("--spec", type=Path, default=SPEC, help="ours (openapi.yaml)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    try:
        official = load_official(args.official)
    except (OSError, ValueError) as exc:
        print(f"drift: {exc}", file=sys.stderr)
        return 2
    ours = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    findings = drift(ours, official)
    drifted = any(finding.known is None for finding in findings)
    if args.json:
        report = {
            "official": args.official,
            "drift": drifted,
            "findings": [finding.as_dict() for finding in findings],
        }
        print(json.dumps(report, indent=2))
    else:
        print(markdown(findings, args.official), end="")
    return 1 if drifted else 0


if __name__ == "__main__":
    raise SystemExit(main())
