"""Every Python block of the README and of the docs (``docs/*.md``) runs as written.

A block runs against a fresh Light mock, with ``LIGHT_API_KEY`` and ``LIGHT_BASE_URL`` pointing
at it, as a reader who started one would run it. A block that shows tests of one's own (it
defines ``test_...`` functions) is a test module: pytest runs it in a directory of its own, with
the package's fixtures and pytest-asyncio, and each of its tests must pass. A block that is a
snippet (``--8<-- "examples/fastapi_app.py"``) runs the file it includes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from light_client.mock import LightMock
from tests.conftest import ROOT

FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.MULTILINE)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def expand(block: str) -> str:
    """The block as the site shows it: a snippet line replaced by the file it names."""
    return SNIPPET.sub(lambda match: (ROOT / match.group(1)).read_text(encoding="utf-8"), block)


def blocks() -> list[tuple[str, str]]:
    """``(page:number, code)`` of every Python block, in page order."""
    found = []
    for page in PAGES:
        name = page.relative_to(ROOT).as_posix()
        for number, block in enumerate(FENCE.findall(page.read_text(encoding="utf-8"))):
            found.append((f"{name}:{number}", expand(block)))
    return found


BLOCKS = blocks()
# pytest-asyncio warns (an error under -W error) unless its fixtures' loop scope is set.
LOOP_SCOPE = ["-o", "asyncio_default_fixture_loop_scope=function"]
TEST_FUNCTION = re.compile(r"^(?:async )?def (test_\w+)\(", re.MULTILINE)


def test_there_are_examples() -> None:
    assert sum(where.startswith("README.md") for where, _ in BLOCKS) >= 2
    assert len(BLOCKS) >= 20
    # Every guide that shows code shows Python that runs: none is left out of PAGES.
    assert {where.split(":")[0] for where, _ in BLOCKS} >= {
        "README.md",
        "docs/quickstart.md",
        "docs/testing.md",
        "docs/fastapi.md",
    }


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[where for where, _ in BLOCKS])
def test_example_runs(
    code: str, light_mock: LightMock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIGHT_API_KEY", light_mock.api_key)
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    tests = TEST_FUNCTION.findall(code)
    if tests:
        run_as_test_module(code, tests, tmp_path)
        return
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(code, "docs_example.py", "exec"), namespace)


def run_as_test_module(code: str, tests: list[str], directory: Path) -> None:
    """pytest on the block as a module of a project of its own (no conftest, no settings of
    this repository's): the fixtures come from the installed package's plugin."""
    (directory / "test_docs_example.py").write_text(code, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-W",
            "error",
            *LOOP_SCOPE,
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"(\d+) passed", output)
    assert passed is not None and int(passed.group(1)) >= len(tests), output
    assert "skipped" not in output, output
