"""scripts/changes.py: each rule of the versioning policy, on a fixture pair (base, base+change)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from changes import bump, changelog, changes

from tests.conftest import DATA, ROOT

BASE_FILE = DATA / "changes" / "base.yaml"
PATH = "/v1/widgets/{widgetId}"
CHANGES = [sys.executable, str(ROOT / "scripts" / "changes.py")]
Doc = dict[str, Any]


def _base() -> Doc:
    loaded: Doc = yaml.safe_load(BASE_FILE.read_text(encoding="utf-8"))
    return loaded


def _props(doc: Doc, schema: str) -> Doc:
    properties: Doc = doc["components"]["schemas"][schema]["properties"]
    return properties


def _rename(doc: Doc) -> None:
    props = _props(doc, "Widget")
    props["title"] = props.pop("name")


def _move(doc: Doc) -> None:
    doc["paths"]["/v1/gadgets/{widgetId}"] = doc["paths"].pop(PATH)


def _add_get(doc: Doc) -> None:
    doc["paths"][PATH]["get"] = {
        "operationId": "retrieveWidget",
        "parameters": [doc["paths"][PATH]["patch"]["parameters"][1]],
        "responses": doc["paths"][PATH]["patch"]["responses"],
    }


def _make_required(doc: Doc) -> None:
    doc["components"]["schemas"]["UpdateWidgetRequest"]["required"] = ["size"]


# rule -> (change to the base, expected [(side, kind, where, breaking)], semver level)
RULES: dict[str, tuple[Callable[[Doc], Any], list[tuple[str, str, str, bool]], str]] = {
    "field removed": (
        lambda d: _props(d, "UpdateWidgetRequest").pop("size"),
        [("request", "property-removed", "size", True)],
        "major",
    ),
    "field renamed": (
        _rename,
        [
            ("response", "property-removed", "name", True),
            ("response", "property-added", "title", False),
        ],
        "major",
    ),
    "type changed": (
        lambda d: _props(d, "Widget")["size"].update(type="string"),
        [("response", "type", "size", True)],
        "major",
    ),
    "format changed": (
        lambda d: _props(d, "Widget")["id"].update(format="uri"),
        [("response", "format", "id", True)],
        "major",
    ),
    "request field no longer nullable": (
        lambda d: _props(d, "UpdateWidgetRequest")["name"].update(type="string"),
        [("request", "nullable", "name", True)],
        "major",
    ),
    "request field now nullable": (
        lambda d: _props(d, "UpdateWidgetRequest")["size"].update(type=["integer", "null"]),
        [("request", "nullable", "size", False)],
        "minor",
    ),
    "response field may be null": (
        lambda d: _props(d, "Widget")["size"].update(type=["integer", "null"]),
        [("response", "nullable", "size", True)],
        "major",
    ),
    "request field made required": (
        _make_required,
        [("request", "required", "size", True)],
        "major",
    ),
    "response field may be absent": (
        lambda d: d["components"]["schemas"]["Widget"].pop("required"),
        [("response", "required", "id", True)],
        "major",
    ),
    "enum value removed": (
        lambda d: d["components"]["schemas"]["Colour"]["enum"].remove("GREEN"),
        [
            ("request", "enum-removed", "colour", True),
            ("response", "enum-removed", "colour", True),
        ],
        "major",
    ),
    "enum value added": (
        lambda d: d["components"]["schemas"]["Colour"]["enum"].append("BLUE"),
        [
            ("request", "enum-added", "colour", False),
            ("response", "enum-added", "colour", False),
        ],
        "minor",
    ),
    "field added": (
        lambda d: _props(d, "UpdateWidgetRequest").update(weight={"type": "number"}),
        [("request", "property-added", "weight", False)],
        "minor",
    ),
    "operation removed": (
        lambda d: d["paths"].pop(PATH),
        [("operation", "operation-removed", "PATCH /v1/widgets/{widgetId}", True)],
        "major",
    ),
    "operation added": (
        _add_get,
        [("operation", "operation-added", "GET /v1/widgets/{widgetId}", False)],
        "minor",
    ),
    "path changed": (_move, [("operation", "path", "path", True)], "major"),
    "required header added": (
        lambda d: d["paths"][PATH]["patch"]["parameters"][0].update(required=True),
        [("request", "header", "x-idempotency-key", True)],
        "major",
    ),
    "credential scheme dropped": (
        lambda d: d.update(security=[{"apiKeyAuth": []}]),
        [("operation", "security", "security", True)],
        "major",
    ),
    "description only": (
        lambda d: d["components"]["schemas"]["Widget"].update(description="A widget."),
        [],
        "patch",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_classified(rule: str) -> None:
    change, expected, level = RULES[rule]
    head = copy.deepcopy(base := _base())
    change(head)
    found = changes(base, head)
    assert [
        (c.difference.side, c.difference.kind, c.difference.where, c.breaking) for c in found
    ] == expected
    assert bump(found, "1.4.2")[0] == level


def test_bump_follows_the_pre_1_0_policy() -> None:
    head = _base()
    head["paths"].pop(PATH)
    breaking = changes(_base(), head)
    assert bump(breaking, "0.1.0") == ("major", "0.2.0")
    assert bump(breaking, "1.4.2") == ("major", "2.0.0")
    assert bump(changes(_base(), _base()), "0.1.0") == ("patch", "0.1.1")


def test_changelog_entry_is_keep_a_changelog() -> None:
    head = _base()
    _rename(head)
    head["components"]["schemas"]["Colour"]["enum"].append("BLUE")
    assert changelog(changes(_base(), head)) == (
        "### Added\n\n"
        "- `updateWidget` request `colour`: enum value added: `BLUE`.\n"
        "- `updateWidget` response `colour`: enum value added: `BLUE`.\n"
        "- `updateWidget` response `title`: field added.\n\n"
        "### Removed\n\n"
        "- **Breaking:** `updateWidget` response `name`: field removed (or renamed).\n"
    )


def test_script_exit_status_and_json(tmp_path: Path) -> None:
    head = _base()
    _props(head, "UpdateWidgetRequest").pop("size")
    head_file = tmp_path / "head.yaml"
    head_file.write_text(yaml.safe_dump(head), encoding="utf-8")
    files = ["--base-file", str(BASE_FILE), "--head-file", str(head_file)]
    run = subprocess.run([*CHANGES, *files], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "1 change(s), **1 breaking**." in run.stdout
    assert "Semver: **major** (0.1.0 -> 0.2.0)." in run.stdout
    assert (
        "- **Breaking:** `updateWidget` request `size`: field removed (or renamed)." in run.stdout
    )
    report = json.loads(
        subprocess.run([*CHANGES, *files, "--json"], capture_output=True, text=True).stdout
    )
    assert (report["breaking"], report["bump"], report["next_version"]) == (True, "major", "0.2.0")
    same = subprocess.run(
        [*CHANGES, "--base-file", str(BASE_FILE), "--head-file", str(BASE_FILE)],
        capture_output=True,
        text=True,
    )
    assert same.returncode == 0
    assert "No change to the operations' shape." in same.stdout


def test_base_is_read_from_git(tmp_path: Path) -> None:
    # HEAD's openapi.yaml against itself: no change; an unknown ref: exit 2.
    same = subprocess.run(
        [*CHANGES, "--base", "HEAD", "--head-file", str(_committed(tmp_path))],
        capture_output=True,
        text=True,
    )
    assert same.returncode == 0, same.stderr
    assert "since `HEAD`" in same.stdout
    bad = subprocess.run([*CHANGES, "--base", "no-such-ref-xyz"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "changes:" in bad.stderr


def _committed(tmp_path: Path) -> Path:
    shown = subprocess.run(
        ["git", "show", "HEAD:openapi.yaml"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    path = tmp_path / "openapi.yaml"
    path.write_text(shown.stdout, encoding="utf-8")
    return path
