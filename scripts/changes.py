"""What changed in openapi.yaml since a git ref, for SDK users: breaking or not, and the bump.

    python scripts/changes.py --base main           # openapi.yaml at `main` vs the working tree
    python scripts/changes.py --base-file a.yaml --head-file b.yaml [--json]

Each change to an operation (matched by operationId) is classified by the docs' Versioning
rules. Breaking: an operation removed or its path changed; a property removed or renamed (a
rename is a removal and an addition); a type or format changed; a request field made
required, or no longer nullable; a response field made optional (``X`` -> ``X | Unset``) or
nullable; an enum value removed (its member is gone); a required header or a body added; a
credential scheme dropped. Everything else is not breaking (a new operation, field, enum value;
a widening). The report ends with the semver bump and a drafted CHANGELOG entry.

Exit status: 0 nothing breaking, 1 a breaking change, 2 BASE could not be read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from spec_compare import Difference, compare_operation, operations, template

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"

# Difference kinds (spec_compare) whose meaning for users does not depend on the side.
ALWAYS_BREAKING = {
    "operation-removed": "operation removed",
    "path": "path changed",
    "property-removed": "field removed (or renamed)",
    "type": "type changed",
    "format": "format changed (another Python type)",
    "enum-removed": "enum value removed (its member is gone)",
    "body-removed": "request body removed (its keywords are gone)",
}
NEVER_BREAKING = {
    "operation-added": "operation added",
    "enum-added": "enum value added",
    "header-removed": "header parameter removed",
}


@dataclass(frozen=True)
class Change:
    difference: Difference
    breaking: bool
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.difference.as_dict(), "breaking": self.breaking, "why": self.why}


def classify(difference: Difference) -> Change:
    """Breaking or not for SDK users, and why (see the module docstring for the rules)."""
    d = difference
    if d.kind in ALWAYS_BREAKING:
        return Change(d, True, ALWAYS_BREAKING[d.kind])
    if d.kind in NEVER_BREAKING:
        return Change(d, False, NEVER_BREAKING[d.kind])
    request = d.side == "request"
    if d.kind == "property-added":
        return Change(d, False, "field added")
    if d.kind == "nullable":
        if request:
            narrowed = d.head == "not nullable"
            why = "request field no longer nullable" if narrowed else "request field now nullable"
            return Change(d, narrowed, why)
        widened = d.head == "nullable"
        why = "response field may now be null" if widened else "response field no longer null"
        return Change(d, widened, why)
    if d.kind == "required":
        if request:
            now_required = d.head == "required"
            why = "request field made required" if now_required else "request field now optional"
            return Change(d, now_required, why)
        optional = d.head == "optional"
        why = "response field may now be absent" if optional else "response field always present"
        return Change(d, optional, why)
    if d.kind in ("header-added", "header"):
        required = d.head is not None and d.head.startswith("(True")
        return Change(d, required, "required header" if required else "header parameter changed")
    if d.kind == "body-added":
        return Change(d, True, "request body added")
    if d.kind == "security":
        dropped = set((d.base or "").split("; ")) - set((d.head or "").split("; "))
        return Change(d, bool(dropped), "credential scheme dropped" if dropped else "security")
    return Change(d, True, f"unclassified change ({d.kind}): assumed breaking")


def _by_id(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        operation.get("operationId", f"{method.upper()} {path}"): (method, path)
        for method, path, operation in operations(doc)
    }


def changes(base: dict[str, Any], head: dict[str, Any]) -> list[Change]:
    """Every change from ``base`` to ``head``, operation by operation, classified."""
    old, new = _by_id(base), _by_id(head)
    found: list[Difference] = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            method, path = old[name]
            found.append(
                Difference(name, "operation", "operation-removed", f"{method.upper()} {path}")
            )
        elif name not in old:
            method, path = new[name]
            found.append(
                Difference(name, "operation", "operation-added", f"{method.upper()} {path}")
            )
        else:
            (method, path), (new_method, new_path) = old[name], new[name]
            if (method, template(path)) != (new_method, template(new_path)):
                found.append(
                    Difference(
                        name,
                        "operation",
                        "path",
                        "path",
                        f"{method.upper()} {path}",
                        f"{new_method.upper()} {new_path}",
                    )
                )
                continue  # the operation moved: what else changed is in its new place
            found += [
                d for d in compare_operation(base, head, method, path, name) if d.kind != "path"
            ]
    return [classify(difference) for difference in found]


def bump(found: list[Change], version: str) -> tuple[str, str]:
    """The semver level (major, minor, patch) and the next version; before 1.0, a breaking
    change bumps the minor version (the versioning policy, docs/versioning.md)."""
    major, minor, patch = (int(part) for part in version.split(".")[:3])
    if any(change.breaking for change in found):
        level = "major"
    elif found:
        level = "minor"
    else:
        level = "patch"
    if level == "major" and major > 0:
        return level, f"{major + 1}.0.0"
    if level in ("major", "minor"):
        return level, f"{major}.{minor + 1}.0"
    return level, f"{major}.{minor}.{patch + 1}"


SECTIONS = {"Added": ("-added",), "Removed": ("-removed",)}


def changelog(found: list[Change]) -> str:
    """A Keep a Changelog entry for ``## [Unreleased]``: Added / Changed / Removed."""
    sections: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
    for change in found:
        d = change.difference
        section = next(
            (name for name, ends in SECTIONS.items() if d.kind.endswith(ends)), "Changed"
        )
        what = (
            f"`{d.operation}`" if d.side == "operation" else f"`{d.operation}` {d.side} `{d.where}`"
        )
        detail = f" ({d.base} -> {d.head})" if d.base and d.head else ""
        value = f": `{d.head or d.base}`" if d.kind.startswith("enum") else ""
        prefix = "**Breaking:** " if change.breaking else ""
        sections[section].append(f"- {prefix}{what}: {change.why}{value}{detail}.")
    lines = []
    for name, items in sections.items():
        if items:
            lines += [f"### {name}", "", *items, ""]
    return "\n".join(lines)


def markdown(found: list[Change], level: str, version: str, next_version: str, base: str) -> str:
    breaking = sum(change.breaking for change in found)
    lines = [f"## Changes to openapi.yaml since `{base}`", ""]
    if not found:
        lines.append("No change to the operations' shape.")
    else:
        lines += [
            f"{len(found)} change(s), **{breaking} breaking**.",
            "",
            "| operation | side | where | change | breaking | before | after |",
            "|---|---|---|---|---|---|---|",
        ]
        for change in found:
            d = change.difference
            lines.append(
                f"| {d.operation} | {d.side} | `{d.where}` | {change.why} "
                f"| {'yes' if change.breaking else 'no'} | {d.base or ''} | {d.head or ''} |"
            )
    lines += ["", f"Semver: **{level}** ({version} -> {next_version}).", ""]
    if found:
        lines += ["Drafted CHANGELOG entry:", "", "```markdown", changelog(found).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def load_at(ref: str) -> dict[str, Any]:
    """openapi.yaml as committed at ``ref``."""
    shown = subprocess.run(
        ["git", "show", f"{ref}:openapi.yaml"], cwd=ROOT, capture_output=True, text=True
    )
    if shown.returncode != 0:
        raise OSError(shown.stderr.strip() or f"git show {ref}:openapi.yaml failed")
    loaded: dict[str, Any] = yaml.safe_load(shown.stdout)
    return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base", help="a git ref: openapi.yaml as committed there")
    source.add_argument("--base-file", type=Path, help="or the old document itself")
    parser.add_argument("--head-file", type=Path, default=SPEC, help="default: openapi.yaml")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    try:
        if args.base is not None:
            base, label = load_at(args.base), args.base
        else:
            base = yaml.safe_load(args.base_file.read_text(encoding="utf-8"))
            label = str(args.base_file)
    except OSError as exc:
        print(f"changes: {exc}", file=sys.stderr)
        return 2
    head = yaml.safe_load(args.head_file.read_text(encoding="utf-8"))
    found = changes(base, head)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    level, next_version = bump(found, version)
    if args.json:
        report = {
            "base": label,
            "breaking": any(change.breaking for change in found),
            "bump": level,
            "version": version,
            "next_version": next_version,
            "changes": [change.as_dict() for change in found],
            "changelog": changelog(found),
        }
        print(json.dumps(report, indent=2))
    else:
        print(markdown(found, level, version, next_version, label), end="")
    return 1 if any(change.breaking for change in found) else 0


if __name__ == "__main__":
    raise SystemExit(main())
