"""The published site: Read the Docs builds it from .readthedocs.yaml as `make docs` does, at the
address the README and pyproject.toml link to."""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from tests.conftest import ROOT


class _Plain(yaml.SafeLoader):
    """mkdocs.yml holds !!python/name tags for Material's extensions: read them as None."""


_Plain.add_multi_constructor("", lambda _loader, _suffix, _node: None)


def load_yaml(name: str) -> Any:
    return yaml.load((ROOT / name).read_text(encoding="utf-8"), Loader=_Plain)


def test_read_the_docs_builds_the_site_strictly_with_the_docs_group() -> None:
    config = load_yaml(".readthedocs.yaml")
    assert config["version"] == 2
    assert config["mkdocs"] == {"configuration": "mkdocs.yml", "fail_on_warning": True}
    assert "python -m pip install --group docs -e ." in config["build"]["jobs"]["post_install"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "docs" in project["dependency-groups"]


def test_the_readme_and_pyproject_link_to_the_sites_address() -> None:
    site_url = load_yaml("mkdocs.yml")["site_url"]
    assert site_url.startswith("https://") and site_url.endswith("/")
    assert site_url in (ROOT / "README.md").read_text(encoding="utf-8")
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Documentation"].rstrip("/") == site_url.rstrip("/")
