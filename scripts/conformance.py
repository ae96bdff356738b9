"""The generator against Light's whole official document: generate, type-check, call every operation.

    python scripts/conformance.py --out DIR      # make conformance OUT=DIR

1. Light's document as published (tests/data/light-openapi-public.json, OpenAPI 3.0.1) is
   normalised by ``scripts/official.py`` (each step a document-wide rule with its reason).
2. The generator writes all of it into a copy of the package at ``DIR/light_client``: this
   repository's runtime with the generated models and resources of Light's document.
3. ``mypy --strict`` runs on the copy.
4. Prism serves Light's document as published (one thing added for Prism's sake: its PDF answers
   get the schema ``{type: string, format: binary}``, without which Prism answers them with
   500 "Cannot find serializer for application/pdf"), and every operation is called once
   through the copy's ``SyncLightClient`` -- lenient, as users run it -- with its path
   parameters, and a body holding what its schema requires. A call counts when it returns
   the typed result its method declares: a model, a list of models, a page, bytes or ``None``.

The last line is ``conformance: generated G/N, mypy clean, called C/N``; the exit status is 1
when any of the three falls short.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "light_client"
# The generated part of the package, written from the document; the rest is the runtime.
GENERATED = ("_generated", "resources")
# Path parameters: a fixed UUID where the format says uuid, a currency code otherwise (the only
# free-text path parameters of Light's document are the exchange rates' currencies).
UUID_VALUE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
TEXT_VALUE = "EUR"


def build(out: Path, official_path: Path) -> tuple[dict[str, Any], Path]:
    """The normalised document and the copy of the package generated from it, in ``out``."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import generate
    import official

    document = official.normalise(official.load(official_path))
    spec = out / "openapi.json"
    spec.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    package = out / "light_client"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(
        PACKAGE,
        package,
        ignore=lambda directory, names: [
            name
            for name in names
            if name in ("__pycache__",) or (Path(directory) == PACKAGE and name in GENERATED)
        ],
    )
    with tempfile.TemporaryDirectory(prefix="light-conformance-") as tmp:
        generate.generate_into(Path(tmp), spec)
        for name in GENERATED:
            shutil.copytree(Path(tmp) / name, package / name)
    return document, package


def prism_document(published: dict[str, Any]) -> dict[str, Any]:
    """Light's document as Prism serves it: as published, its PDF answers given a schema."""
    document = copy.deepcopy(published)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for answer in operation.get("responses", {}).values():
                for media_type, media in (answer.get("content") or {}).items():
                    if media_type == "application/pdf" and not media.get("schema"):
                        media["schema"] = {"type": "string", "format": "binary"}
    return document


def typecheck(out: Path) -> tuple[bool, str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(out / ".mypy_cache"),
            "light_client",
        ],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where the copy is written")
    parser.add_argument(
        "--official",
        type=Path,
        default=ROOT / "tests" / "data" / "light-openapi-public.json",
        help="Light's document as published",
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    published = json.loads(args.official.read_text(encoding="utf-8"))
    document, package = build(out, args.official)
    total = sum(
        1
        for path_item in document["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    )
    print(f"generated {package}")
    clean, report = typecheck(out)
    print(f"mypy --strict: {report.splitlines()[-1] if report else ''}")
    if not clean:
        print(report)
    served = out / "prism-openapi.json"
    served.write_text(json.dumps(prism_document(published)), encoding="utf-8")
    from _prism import prism

    with prism(served) as base_url:
        env = {**os.environ, "PYTHONPATH": str(out)}
        calls = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "_conformance_calls.py"), base_url],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    print(calls.stdout.rstrip())
    if calls.returncode != 0:
        print(calls.stderr.rstrip())
    try:
        summary = json.loads(calls.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):  # the calls did not get to their summary: see above
        summary = {}
    generated, called = summary.get("generated", 0), summary.get("called", 0)
    print(
        f"conformance: generated {generated}/{total}, mypy {'clean' if clean else 'FAILED'}, "
        f"called {called}/{total}"
    )
    return 0 if clean and generated == called == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
