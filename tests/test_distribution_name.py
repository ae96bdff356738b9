"""Every install command we print names our distribution: pyproject.toml's ``[project].name``.

"light-client" on PyPI is someone else's project: a README line, a docs page or an error message
that still said ``pip install light-client`` would install it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from light_client import __version__
from tests.conftest import ROOT

PROJECT_NAME: str = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "name"
]
PIP_INSTALL = re.compile(r"pip install ([^`\n#;&|)]+)")
# Where an install command can reach a user: the README (PyPI's page), the docs, what the
# package prints (error messages, docstrings), and the scripts and examples next to them.
TEXT_FILES = sorted(
    [
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
        *(path for path in (ROOT / "light_client").rglob("*.py") if "_generated" not in path.parts),
        *(ROOT / "scripts").rglob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
    ]
)


def requirements(command: str) -> list[str]:
    """The distribution names a ``pip install ...`` command asks for (options skipped)."""
    try:
        words = shlex.split(command)
    except ValueError:  # an unbalanced quote: the command's text ends inside a string
        words = command.replace("'", " ").replace('"', " ").split()
    names = []
    for word in words:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", word)
        if not word.startswith(("-", ".", "/", "$", "{")) and match:
            names.append(match.group(0))
    return names


def install_lines() -> list[tuple[str, str]]:
    found = []
    for path in TEXT_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            for command in PIP_INSTALL.findall(line):
                found.append((f"{path.relative_to(ROOT)}: {line.strip()}", command))
    return found


def test_the_readme_says_how_to_install_us() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {PROJECT_NAME}\n" in readme or f"pip install {PROJECT_NAME} " in readme
    assert f"pip install '{PROJECT_NAME}[mock]'" in readme


@pytest.mark.parametrize(("where", "command"), install_lines())
def test_install_commands_name_our_distribution(where: str, command: str) -> None:
    # Other packages (a tool, a test runner) may be named; a Light package must be ours.
    light = [name for name in requirements(command) if "light" in name.lower()]
    assert light == [PROJECT_NAME] * len(light), where


def test_the_parser_reads_extras_and_quotes() -> None:
    assert requirements("'light-client[redis]'") == ["light-client"]
    assert requirements('"light-inc[mock]" pytest') == ["light-inc", "pytest"]
    assert requirements("--quiet -e '.[mock]' --group dev") == ["dev"]


def test_the_command_names_the_distribution() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "light_client", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"light-client {__version__} (pip install {PROJECT_NAME})"


def test_the_release_publishes_to_our_project() -> None:
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert re.findall(r"https://pypi\.org/project/([^/\s]+)/", release) == [PROJECT_NAME]
