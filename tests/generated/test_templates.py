"""templates/: each fork says what it changes, and stays a small diff against upstream."""

from __future__ import annotations

import difflib
from importlib.resources import files

import pytest

from tests.conftest import ROOT

UPSTREAM = files("openapi_python_client").joinpath("templates")
FORKS = sorted(
    path.relative_to(ROOT / "templates").as_posix()
    for path in (ROOT / "templates").rglob("*.jinja")
)
# Forks of a real upstream template; the rest of templates/ replaces a one-line upstream file.
# (model.py.jinja's: the three per-call import loops, moved to the module's end, and the class
# decorator, which turns attrs' on_setattr hooks off.)
MAX_UPSTREAM_LINES_CHANGED = 15


def test_there_are_forks_and_no_client_fork() -> None:
    # The generator's Client is unused at run time: a mypy override covers it (pyproject.toml).
    assert "client.py.jinja" not in FORKS
    assert {
        "model.py.jinja",
        "property_templates/union_property.py.jinja",
        "str_enum.py.jinja",
        "types.py.jinja",
    } <= set(FORKS)


@pytest.mark.parametrize("name", FORKS)
def test_fork_starts_with_what_changed_and_why(name: str) -> None:
    text = (ROOT / "templates" / name).read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("{# light-client"), first
    comment = text[: text.index("#}")]
    assert "upstream" in comment or "openapi-python-client" in comment


@pytest.mark.parametrize("name", FORKS)
def test_fork_keeps_upstream_text(name: str) -> None:
    if not UPSTREAM.joinpath(name).is_file():
        pytest.skip(f"{name} is ours (the resources): upstream has no such template")
    upstream = UPSTREAM.joinpath(name).read_text(encoding="utf-8").splitlines()
    ours = (ROOT / "templates" / name).read_text(encoding="utf-8").splitlines()
    if len(upstream) <= 2:
        pytest.skip(f"upstream {name} is {len(upstream)} line(s): ours replaces it")
    removed = [
        line for line in difflib.ndiff(upstream, ours) if line.startswith("- ") and line[2:].strip()
    ]
    assert len(removed) <= MAX_UPSTREAM_LINES_CHANGED, removed
