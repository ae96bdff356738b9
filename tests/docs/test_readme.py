"""The README is the PyPI page: short, and nothing in it that only makes sense in a checkout."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SITE_URL: str = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
# Paths that exist only in a checkout of the repository: PyPI shows them as dead text.
REPO_ONLY = [
    r"\.venv/",
    r"\bexamples/",
    r"\bscripts/",
    r"\btests/",
    r"\btemplates/",
    r"\bdocs/",
    r"\blight_client/\S*\.py",
    r"\blight_client/_",
    r"\bmake [a-z]",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_is_at_most_15_kb() -> None:
    assert len(README.encode()) <= 15 * 1024


def test_the_readme_names_no_repository_path() -> None:
    found = [(pattern, m.group(0)) for pattern in REPO_ONLY for m in re.finditer(pattern, README)]
    assert found == []


def test_every_link_is_absolute() -> None:
    relative = [target for target in LINK.findall(README) if not target.startswith("https://")]
    assert relative == []


def test_links_to_the_docs_name_pages_that_exist() -> None:
    pages = [target for target in LINK.findall(README) if target.startswith(SITE_URL)]
    assert len(pages) >= 10
    for target in pages:
        page = target.removeprefix(SITE_URL).split("#")[0].strip("/")
        source = ROOT / "docs" / (f"{page}.md" if page else "index.md")
        assert source.is_file(), f"{target}: no {source.relative_to(ROOT)}"


def test_the_readme_starts_with_the_mock() -> None:
    # The first Python block runs without a Light account: it starts the mock itself.
    first = README.split("```python\n", 1)[1].split("```", 1)[0]
    assert "LightMock()" in first
