"""Test what users install: build the wheel and the sdist, check them, use the wheel from outside.

    python scripts/check_wheel.py                      # the venv gets this interpreter's Python
    python scripts/check_wheel.py --python python3.13  # ... or another one

Steps, all in a temporary directory (never inside the repository, so nothing is imported from
the source tree):

1. build the sdist and the wheel, and check what they contain (``py.typed``, the generated code,
   the spec, the entry point, the license; no tests, no dev extra);
2. create a fresh virtualenv and install the wheel without extras, plus pytest and mypy (the
   versions of the dev group, so pip's cache serves them);
3. run ``scripts/wheel_check/without_mock`` with pytest: must exit 0, the mock test skipped with
   the install command; ``python -m light_client.mock`` must exit 2 naming the extra; the
   ``light-client`` console script's help runs without the ``[cli]`` extra;
4. install the wheel's ``[mock]`` extra and run ``scripts/wheel_check/with_mock`` with pytest;
5. ``mypy --strict`` on the Python blocks of the README and ``docs/``, and on
   ``scripts/wheel_check/typing`` (user code that must pass, misuses that must each be
   flagged), and ``reveal_type`` of an update's result must be ``Customer``;
6. pyright strict on the same files, ``reveal_user.py`` aside (``# pyright: ignore[rule]``
   comments only, and an unneeded one is an error); and ``first_hour.py`` without its one ignore comment,
   under both checkers: each must report exactly one error, the enum typo on that line;
7. the install footprint: a fresh venv per line (the wheel alone, then with each extra), what
   the install added on disk (MB) and how many distributions, the venv's own (pip) not counted.
   README's install table carries these figures.

Exit status 0 when everything holds; otherwise 1, with what failed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "scripts" / "wheel_check"
README_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
# Tools the user-side projects need, and what the README's and docs' examples import besides
# light-client (the event hooks example: opentelemetry-api), at the dev group's pinned versions.
TOOLS = ("pytest", "mypy", "pyright", "opentelemetry-api")

WHEEL_MUST_HAVE = [
    "light_client/__init__.py",
    "light_client/py.typed",
    "light_client/_pytest_plugin.py",
    "light_client/_generated/py.typed",
    "light_client/_generated/openapi.json",
    "light_client/_generated/models/customer.py",
    "light_client/resources/customers.py",
    "light_client/resources/py.typed",
    "light_client/mock/__main__.py",
    "light_client/mock/_server.py",
]
SDIST_MUST_HAVE = [
    "LICENSE",
    "CHANGELOG.md",
    "README.md",
    "pyproject.toml",
    "openapi.yaml",
    "light_client/py.typed",
    "light_client/_generated/openapi.json",
]
ENTRY_POINTS = (
    "[console_scripts]\nlight-client = light_client._cli:main\n\n"
    "[pytest11]\nlight_client_mock = light_client._pytest_plugin\n"
)
PROJECT_NAME = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "name"
]
# The wheel's file and dist-info names: the project's name normalised (PEP 427, PEP 503).
DIST_PREFIX = re.sub(r"[-_.]+", "_", PROJECT_NAME).lower()
MOCK_MISSING = f"pip install '{PROJECT_NAME}[mock]'"
REVEAL = """\
from light_client import LightClient


async def user(light: LightClient) -> None:
    reveal_type(await light.customers.update("5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01", name="A"))
"""
REVEALED = (
    'reveal_user.py:5: note: Revealed type is "light_client._generated.models.customer.Customer"'
)


# pyright strict, honouring only `# pyright: ignore[rule]` (mypy's `# type: ignore[code]` is
# mypy's), and failing on an ignore that nothing needs: the same discipline as mypy --strict.
PYRIGHT_CONFIG = """{
  "typeCheckingMode": "strict",
  "enableTypeIgnoreComments": false,
  "reportUnnecessaryTypeIgnoreComment": "error"
}
"""
# The files pyright checks besides the README's blocks.
PYRIGHT_FILES = ("user_code.py", "first_hour.py", "misuse.py")
TYPO_FILE = "first_hour.py"
IGNORE_COMMENT = re.compile(r"  # type: ignore\[[^\]]*\](  # pyright: ignore\[[^\]]*\])?")
# The extras whose footprint is printed, each installed alone over the wheel.
FOOTPRINT_EXTRAS = ("mock", "redis", "cli", "aiohttp")


class Failed(Exception):
    pass


def tree_size(path: Path) -> int:
    """The bytes of every file under ``path``."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python*/site-packages")
    return found


def distributions(site: Path) -> set[str]:
    """The names of the distributions installed in ``site``."""
    return {
        dist.metadata["Name"].lower() for dist in importlib.metadata.distributions(path=[str(site)])
    }


def footprint(work: Path, python: str, requirement: str) -> tuple[int, int]:
    """Bytes and distributions that ``pip install requirement`` adds to a fresh venv (the
    venv's own, pip, are measured before and not counted)."""
    venv = work / f"footprint-{len(list(work.glob('footprint-*')))}"
    run([python, "-m", "venv", venv], cwd=work)
    site = site_packages(venv)
    size, names = tree_size(site), distributions(site)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", requirement], cwd=work)
    return tree_size(site) - size, len(distributions(site) - names)


def footprint_lines(rows: list[tuple[str, int, int]]) -> list[str]:
    """The footprint table: the first row the plain install, the others what an extra adds.

    ``rows``: (what was installed, bytes, distributions), e.g. ``("light-client", 6_123_456, 8)``.
    """
    (name, plain_size, plain_count), *extras = rows
    lines = [
        "check_wheel: install footprint (a fresh venv; pip itself not counted)",
        f"check_wheel:   {name:<24} {plain_size / 1e6:5.1f} MB in {plain_count:2d} packages",
    ]
    for label, size, count in extras:
        lines.append(
            f"check_wheel:   {label:<24} {size / 1e6:5.1f} MB in {count:2d} packages"
            f"  (+{(size - plain_size) / 1e6:.1f} MB, +{count - plain_count})"
        )
    return lines


def run(command: list[str | Path], cwd: Path, expect: int = 0) -> str:
    """Run ``command`` in ``cwd`` with a clean environment; its output, or ``Failed``."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    if result.returncode != expect:
        raise Failed(
            f"{' '.join(map(str, command))}: exit {result.returncode}, not {expect}\n{output}"
        )
    return output


def dev_pins() -> dict[str, str]:
    """``{name: "name==version"}`` of the dev dependency group."""
    group = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "dependency-groups"
    ]["dev"]
    return {requirement.split("==")[0].lower(): requirement for requirement in group}


def build(out: Path) -> tuple[Path, Path]:
    """The sdist and the wheel, built from the working tree (no isolation: the dev venv has
    the pinned hatchling, and no network is needed)."""
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=ROOT)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    if not wheel.name.startswith(f"{DIST_PREFIX}-") or not sdist.name.startswith(f"{DIST_PREFIX}-"):
        raise Failed(f"built {sdist.name} and {wheel.name}, not {PROJECT_NAME}'s")
    return sdist, wheel


def check_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    missing = [name for name in WHEEL_MUST_HAVE if name not in names]
    stray = [
        name
        for name in names
        if not name.startswith(("light_client/", f"{DIST_PREFIX}-"))
        or "__pycache__" in name
        or name.endswith(".pyc")
    ]
    if missing or stray:
        raise Failed(f"wheel: missing {missing}, unexpected {stray}")
    dist_info = next(name.split("/")[0] for name in names if ".dist-info/" in name)
    read = zipfile.ZipFile(wheel).read
    metadata = read(f"{dist_info}/METADATA").decode()
    entry_points = read(f"{dist_info}/entry_points.txt").decode()
    headers = set(metadata.split("\n\n", 1)[0].splitlines())
    wanted = {
        f"Name: {PROJECT_NAME}",
        "License-Expression: MIT",
        "License-File: LICENSE",
        "Requires-Python: >=3.11",
        "Classifier: Typing :: Typed",
        "Classifier: Programming Language :: Python :: 3.13",
        "Provides-Extra: mock",
        "Provides-Extra: cli",
    }
    problems = [f"METADATA lacks {line!r}" for line in sorted(wanted - headers)]
    problems += [
        f"METADATA has {line!r}" for line in headers if line.startswith("Provides-Extra: dev")
    ]
    if f"{dist_info}/licenses/LICENSE" not in names:
        problems.append("no LICENSE in the dist-info")
    if entry_points.strip() != ENTRY_POINTS.strip():
        problems.append(f"entry_points.txt is {entry_points!r}")
    if problems:
        raise Failed("wheel: " + "; ".join(problems))


def check_sdist_contents(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [name for name in SDIST_MUST_HAVE if name not in names]
    stray = [
        name for name in names if name.startswith((".venv/", "dist/")) or "__pycache__" in name
    ]
    if missing or stray:
        raise Failed(f"sdist: missing {missing}, unexpected {stray}")


def readme_blocks(into: Path) -> list[Path]:
    """The Python blocks of the README and the docs, each a file in ``into``. A block that only
    includes a file of the repository (``--8<--``, the FastAPI example) is left out: that file
    is type-checked with the repository, and its imports (FastAPI) are not the wheel's."""
    paths = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        blocks = README_BLOCK.findall(page.read_text(encoding="utf-8"))
        for number, block in enumerate(blocks):
            if block.startswith("--8<--"):
                continue
            stem = page.relative_to(ROOT).with_suffix("").as_posix().replace("/", "_").lower()
            path = into / f"{stem.replace('-', '_')}_block{number}.py"
            path.write_text(block, encoding="utf-8")
            paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="light-client-wheel-"))
    try:
        check(work, args.python)
    except Failed as failure:
        print(f"check_wheel: FAILED (in {work})\n{failure}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def check(work: Path, python: str) -> None:
    pins = dev_pins()
    sdist, wheel = build(work / "dist")
    check_wheel_contents(wheel)
    check_sdist_contents(sdist)
    print(f"check_wheel: built and checked {sdist.name} and {wheel.name}")

    venv = work / "venv"
    run([python, "-m", "venv", venv], cwd=work)
    bin_dir = venv / "bin"
    pip: list[str | Path] = [bin_dir / "python", "-m", "pip", "install", "--quiet"]
    # By its name, as a user asks for it (pip checks the wheel's metadata carries that name).
    run([*pip, f"{PROJECT_NAME} @ {wheel.as_uri()}", *(pins[tool] for tool in TOOLS)], cwd=work)
    shown = run([bin_dir / "python", "-m", "pip", "show", PROJECT_NAME], cwd=work)
    if "Name: " + PROJECT_NAME not in shown.splitlines():
        raise Failed(f"pip show {PROJECT_NAME}:\n{shown}")
    version = run([bin_dir / "python", "-c", "import sys; print(sys.version.split()[0])"], cwd=work)
    print(
        f"check_wheel: fresh venv with Python {version.strip()} and {PROJECT_NAME} (the wheel), "
        "no extras"
    )

    project = work / "without_mock"
    shutil.copytree(CHECKS / "without_mock", project)
    output = run([bin_dir / "python", "-m", "pytest", "-rs", "-p", "no:cacheprovider"], cwd=project)
    if "2 passed, 1 skipped" not in output or MOCK_MISSING not in output:
        raise Failed(f"without [mock]: expected 2 passed, 1 skipped naming the extra\n{output}")
    output = run([bin_dir / "python", "-m", "light_client.mock"], cwd=project, expect=2)
    if MOCK_MISSING not in output:
        raise Failed(f"python -m light_client.mock without [mock] does not name it:\n{output}")
    print("check_wheel: without [mock]: pytest exits 0 (fixture test skipped), the CLI exits 2")
    output = run([bin_dir / "light-client", "customers", "update", "--help"], cwd=project)
    if "the resource id" not in output:
        raise Failed(f"light-client customers update --help:\n{output}")
    print("check_wheel: the light-client console script runs without the [cli] extra")

    run([*pip, f"{PROJECT_NAME}[mock] @ {wheel.as_uri()}"], cwd=work)
    project = work / "with_mock"
    shutil.copytree(CHECKS / "with_mock", project)
    output = run([bin_dir / "python", "-m", "pytest", "-p", "no:cacheprovider"], cwd=project)
    if "4 passed" not in output:
        raise Failed(f"with [mock]: expected 4 passed\n{output}")
    print("check_wheel: with [mock]: the consumer project's tests pass with the mock fixtures")

    project = work / "typing"
    shutil.copytree(CHECKS / "typing", project)
    (project / "reveal_user.py").write_text(REVEAL, encoding="utf-8")
    files = [*sorted(project.glob("*.py")), *readme_blocks(project)]
    mypy: list[str | Path] = [bin_dir / "python", "-m", "mypy", "--strict", "--no-incremental"]
    output = run([*mypy, *(path.name for path in files)], cwd=project)
    if REVEALED not in output.splitlines():
        raise Failed(f"reveal_type of customers.update(...) is not Customer:\n{output}")
    ignores = (project / "misuse.py").read_text(encoding="utf-8").count("# type: ignore[")
    print(
        f"check_wheel: mypy --strict passes on {len(files)} user files against the wheel "
        f"({ignores} misuses each flagged); reveal_type(update(...)) is Customer"
    )
    check_pyright(project, bin_dir, [path.name for path in files if path.name.startswith("readme")])
    check_typo_only(project, bin_dir, mypy)
    name = wheel.name.split("-")[0].replace("_", "-")
    rows = [(name, *footprint(work, python, str(wheel)))]
    rows += [
        (f"{name}[{extra}]", *footprint(work, python, f"{wheel}[{extra}]"))
        for extra in FOOTPRINT_EXTRAS
    ]
    print("\n".join(footprint_lines(rows)))


def check_pyright(project: Path, bin_dir: Path, readme_files: list[str]) -> None:
    (project / "pyrightconfig.json").write_text(PYRIGHT_CONFIG, encoding="utf-8")
    pyright: list[str | Path] = [bin_dir / "pyright", "--pythonpath", bin_dir / "python"]
    output = run([*pyright, *PYRIGHT_FILES, *readme_files], cwd=project)
    if "0 errors" not in output:
        raise Failed(f"pyright:\n{output}")
    version = run([bin_dir / "pyright", "--version"], cwd=project).strip()
    ignores = (project / "misuse.py").read_text(encoding="utf-8").count("# pyright: ignore[")
    print(
        f"check_wheel: {version} strict passes on {', '.join(PYRIGHT_FILES)} and "
        f"{len(readme_files)} README blocks ({ignores} misuses each flagged)"
    )


def check_typo_only(project: Path, bin_dir: Path, mypy: list[str | Path]) -> None:
    """``first_hour.py`` without its ignore comment: mypy and pyright each report one error,
    on the line that had it (the enum typo), and nothing else."""
    text = (project / TYPO_FILE).read_text(encoding="utf-8")
    lines = text.splitlines()
    (typo_line,) = [number for number, line in enumerate(lines, 1) if IGNORE_COMMENT.search(line)]
    bare = project / "bare" / TYPO_FILE
    bare.parent.mkdir()
    bare.write_text(IGNORE_COMMENT.sub("", text), encoding="utf-8")
    (bare.parent / "pyrightconfig.json").write_text(PYRIGHT_CONFIG, encoding="utf-8")
    mypy_output = run([*mypy, TYPO_FILE], cwd=bare.parent, expect=1)
    mypy_errors = [line for line in mypy_output.splitlines() if ": error:" in line]
    pyright_output = run(
        [bin_dir / "pyright", "--pythonpath", bin_dir / "python", TYPO_FILE],
        cwd=bare.parent,
        expect=1,
    )
    pyright_errors = [line for line in pyright_output.splitlines() if " - error: " in line]
    wanted_mypy = f"{TYPO_FILE}:{typo_line}: error:"
    wanted_pyright = f"{TYPO_FILE}:{typo_line}:"
    if len(mypy_errors) != 1 or not mypy_errors[0].startswith(wanted_mypy):
        raise Failed(f"mypy on {TYPO_FILE} without its ignore:\n{mypy_output}")
    if len(pyright_errors) != 1 or wanted_pyright not in pyright_errors[0]:
        raise Failed(f"pyright on {TYPO_FILE} without its ignore:\n{pyright_output}")
    print(
        f"check_wheel: {TYPO_FILE} (async and sync calls, list[str] and tuple, a None check): "
        f"mypy and pyright each report only the enum typo, line {typo_line}"
    )


if __name__ == "__main__":
    sys.exit(main())
