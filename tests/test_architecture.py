"""ARCHITECTURE.md's layers hold in the code: every import runs down, none up or sideways."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "light_client"
# ARCHITECTURE.md's layers, bottom up: a module may import its own layer's package and any
# layer below it. The rest of light_client (the public face and the mock) is the top.
LAYERS = {
    "_core": 0,
    "_version": 0,
    "_generated": 1,
    "ratelimit": 1,
    "_runtime": 2,
    "auth": 3,
    "bulk": 3,
    "resources": 4,
}
TOP = 5
HANDWRITTEN_ROOTS = ("_core", "ratelimit", "_runtime", "auth", "bulk")


def layer_of(module: str) -> int:
    """The layer of ``light_client.<part>...``."""
    part = module.split(".")[1] if "." in module else ""
    return LAYERS.get(part, TOP)


def imported_modules(path: Path) -> set[str]:
    """Every ``light_client`` module ``path`` imports, absolute, TYPE_CHECKING ones too."""
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("light_client"):
                # `from . import x`: x may be a module of the package.
                found |= {f"{target}.{alias.name}" for alias in node.names} | {target}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("light_client")}
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_run_down(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = layer_of(module)
    upward = sorted(
        target
        for target in imported_modules(path)
        if layer_of(target) > own
        # A package's face may import its own modules (same part of the tree).
        and target.split(".")[1:2] != module.split(".")[1:2]
    )
    assert upward == [], f"{module} (layer {own}) imports from above: {upward}"


def test_layers_of_the_same_height_do_not_import_each_other() -> None:
    for path in MODULES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        part = module.split(".")[1]
        if part not in LAYERS:
            continue
        for target in imported_modules(path):
            other = target.split(".")[1] if "." in target else ""
            if other != part and other in LAYERS:
                assert LAYERS[other] < LAYERS[part], f"{module} imports {target}"


def test_the_runtime_never_reflects_on_generated_code_or_reads_the_spec_itself() -> None:
    for root in HANDWRITTEN_ROOTS:
        for path in (PACKAGE / root).rglob("*.py"):
            if path.name == "schemas.py":  # the one loader of the generated document
                continue
            text = path.read_text(encoding="utf-8")
            for needle in ("inspect.signature", "openapi.json", "sys.modules"):
                assert needle not in text, f"{path.relative_to(ROOT)} uses {needle}"
