"""Copy a tag's operations, and the schemas they use, from Light's document into openapi.yaml.

    python scripts/adopt.py --tag "v1 - Products"      # make adopt TAG="v1 - Products"
    python scripts/adopt.py --tag Products --dry-run   # what would be added, nothing written

The operations come from Light's document after ``scripts/official.py``'s normalisations, and
are written in openapi.yaml's conventions: the idempotency header by its component
(``#/components/parameters/IdempotencyKey``), the error answers by the components every
operation there uses, the success answer as ``200``, and a schema by the name openapi.yaml
gives it where the two documents share an operation that uses it (Light's
``SetCustomPropertyRequestV1Model`` is openapi.yaml's ``SetCustomPropertyRequest``). What
openapi.yaml already has is kept as
it is: an operation already there (same method and path) is not touched, nor a schema of the
same name. New text is inserted into the file, whose comments and wrapping stay as they are.

Coverage grows by review: after adopting, read the diff, run ``make generate`` and ``make drift``
(every difference explained), and curate what Light's document cannot say (``id`` required
where Light always sends it, ``x-light-answer-id``, a request's refused nulls).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from official import OFFICIAL, SCHEMAS, load, normalise, operations, rename_schemas

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
IDEMPOTENCY_PARAMETER = "#/components/parameters/IdempotencyKey"


class AdoptError(Exception):
    """The tag cannot be adopted: why."""


def _tag(name: str) -> str:
    return re.sub(r"^v\d+ - ", "", name)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def _schemas_used(document: dict[str, Any], roots: list[Any]) -> list[str]:
    """The components ``roots`` refer to, transitively, in the order first met."""
    schemas = document["components"]["schemas"]
    found: list[str] = []
    pending = sorted(ref for root in roots for ref in _refs(root) if ref.startswith(SCHEMAS))
    while pending:
        name = pending.pop(0).removeprefix(SCHEMAS)
        if name in found or name not in schemas:
            continue
        found.append(name)
        pending += sorted(ref for ref in _refs(schemas[name]) if ref.startswith(SCHEMAS))
    return found


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing a shared object out each time (no ``&id001`` anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _component_of(node: Any) -> str | None:
    """The component a schema node stands for: a ``$ref``, through a nullable ``oneOf`` and
    an array's ``items``."""
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMAS):
        return str(node["$ref"]).removeprefix(SCHEMAS)
    for branch in node.get("oneOf", []):
        if branch.get("type") != "null":
            return _component_of(branch)
    return _component_of(node.get("items"))


def _schema_of(holder: dict[str, Any] | None) -> Any:
    media: dict[str, Any] = next(iter(((holder or {}).get("content") or {}).values()), {})
    return media.get("schema")


def our_names(ours: dict[str, Any], document: dict[str, Any]) -> dict[str, str]:
    """Light's schema names that openapi.yaml knows by another name (``old -> ours``): found by
    pairing the bodies and answers of the operations both have, then their properties."""
    pairs: list[tuple[Any, Any]] = []
    theirs = {(m, p): op for m, p, op in operations(document)}
    for method, path, operation in operations(ours):
        other = theirs.get((method, path))
        if other is None:
            continue
        pairs.append(
            (_schema_of(operation.get("requestBody")), _schema_of(other.get("requestBody")))
        )
        pairs.append(
            (
                _schema_of(operation["responses"].get("200")),
                _schema_of(other["responses"].get("200")),
            )
        )
    names: dict[str, str] = {}
    while pairs:
        mine, light = pairs.pop()
        ours_name, light_name = _component_of(mine), _component_of(light)
        if ours_name is None or light_name is None or light_name in names:
            continue
        names[light_name] = ours_name
        our_schema = ours["components"]["schemas"].get(ours_name, {})
        light_schema = document["components"]["schemas"].get(light_name, {})
        for name, value in our_schema.get("properties", {}).items():
            if name in light_schema.get("properties", {}):
                pairs.append((value, light_schema["properties"][name]))
    return {old: new for old, new in names.items() if old != new}


def _error_answers(ours: dict[str, Any]) -> dict[str, Any]:
    """The error answers openapi.yaml's operations declare (those of the most operations)."""
    sets: dict[str, tuple[int, dict[str, Any]]] = {}
    for _, _, operation in operations(ours):
        errors = {
            str(code): answer
            for code, answer in operation["responses"].items()
            if not str(code).startswith("2")
        }
        key = repr(errors)
        sets[key] = (sets.get(key, (0, errors))[0] + 1, errors)
    return max(sets.values(), key=lambda counted: counted[0])[1] if sets else {}


def _in_our_conventions(
    operation: dict[str, Any], errors: dict[str, Any], ours: dict[str, Any]
) -> dict[str, Any]:
    adopted = dict(operation)
    has_idempotency = "IdempotencyKey" in ours.get("components", {}).get("parameters", {})
    parameters = []
    for parameter in operation.get("parameters", []):
        if (
            has_idempotency
            and parameter.get("in") == "header"
            and (parameter.get("name", "").lower() == "x-idempotency-key")
        ):
            parameters.append({"$ref": IDEMPOTENCY_PARAMETER})
        else:
            parameters.append(parameter)
    if parameters:
        adopted["parameters"] = parameters
    success = {
        code: answer for code, answer in operation["responses"].items() if str(code).startswith("2")
    }
    adopted["responses"] = {**success, **errors}
    return adopted


def adopt(ours_text: str, official: dict[str, Any], tag: str) -> tuple[str, list[str]]:
    """openapi.yaml's text with the tag's operations and their schemas added; what was done."""
    ours = yaml.safe_load(ours_text)
    document = normalise(official)
    renames = our_names(ours, document)
    taken = set(document["components"]["schemas"]) - set(renames)
    rename_schemas(document, {old: new for old, new in renames.items() if new not in taken})
    wanted = _tag(tag)
    chosen = [
        (method, path, operation)
        for method, path, operation in operations(document)
        if wanted in operation.get("tags", [])
    ]
    if not chosen:
        tags = sorted({t for _, _, op in operations(document) for t in op.get("tags", [])})
        raise AdoptError(f"no operation of Light's document has the tag {wanted!r}; tags: {tags}")
    errors = _error_answers(ours)
    report: list[str] = []
    new_paths: dict[str, dict[str, Any]] = {}
    new_methods: dict[str, dict[str, Any]] = {}
    for method, path, operation in chosen:
        existing = ours["paths"].get(path, {})
        name = f"{operation['operationId']} ({method.upper()} {path})"
        if method in existing:
            report.append(f"kept     {name}: openapi.yaml has it")
            continue
        adopted = _in_our_conventions(operation, errors, ours)
        target = new_methods if path in ours["paths"] else new_paths
        target.setdefault(path, {})[method] = adopted
        report.append(f"added    {name}")
    roots = [op for item in [*new_paths.values(), *new_methods.values()] for op in item.values()]
    ours_schemas = ours["components"]["schemas"]
    new_schemas = {}
    for name in _schemas_used(document, roots):
        if name in ours_schemas:
            report.append(f"reused   schema {name}: openapi.yaml has it")
        else:
            new_schemas[name] = document["components"]["schemas"][name]
            report.append(f"added    schema {name}")
    text = ours_text
    for path, methods in new_methods.items():
        text = _insert_in_block(text, ("paths", path), _block(methods, 4))
    if new_paths:
        text = _insert_in_block(text, ("paths",), _block(new_paths, 2))
    if new_schemas:
        text = _insert_in_block(text, ("components", "schemas"), _block(new_schemas, 4))
    return text, report


def _block(mapping: dict[str, Any], indent: int) -> str:
    dumped = yaml.dump(mapping, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    return "".join(
        " " * indent + line if line.strip() else line for line in dumped.splitlines(True)
    )


def _insert_in_block(text: str, key: tuple[str, ...], addition: str) -> str:
    """``text`` with ``addition`` at the end of the block of ``key`` (its path of mapping keys,
    ``("paths", "/v1/customers")``). The block ends before the next line indented no deeper
    than its key; blank lines and comments just before that line belong to what follows."""
    lines = text.splitlines(keepends=True)
    start, depth = _find_key(lines, key)
    end = start + 1
    while end < len(lines):
        line = lines[end]
        is_content = line.strip() and not line.lstrip().startswith("#")
        if is_content and len(line) - len(line.lstrip()) <= depth:
            break
        end += 1
    while end > start + 1 and (
        not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")
    ):
        end -= 1
    before = "".join(lines[:end])
    if not before.endswith(("\n", "\r")):
        before += "\n"
    return before + addition + "".join(lines[end:])


def _find_key(lines: list[str], key: tuple[str, ...]) -> tuple[int, int]:
    """The line of ``key`` (a path of mapping keys) and its indentation, read as YAML reads the
    key (quoted or not, a comment after it, CRLF endings)."""
    depth, line_number = -1, 0
    for part in key:
        found = None
        for index in range(line_number, len(lines)):
            line = lines[index]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip())
            if indent <= depth:
                break  # left the enclosing block
            try:
                parsed = yaml.safe_load(line.strip().split(" #")[0] + " null")
            except yaml.YAMLError:
                continue
            if isinstance(parsed, dict) and list(parsed) == [part]:
                found = index, indent
                break
        if found is None:
            raise AdoptError(f"openapi.yaml has no key {'.'.join(key)!r} to add to")
        line_number, depth = found[0] + 1, found[1]
    return line_number - 1, depth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", required=True, help='the tag, e.g. "v1 - Products" or "Products"')
    parser.add_argument("--official", type=Path, default=OFFICIAL)
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    args = parser.parse_args()
    try:
        text, report = adopt(args.spec.read_text(encoding="utf-8"), load(args.official), args.tag)
    except AdoptError as error:
        print(f"adopt: {error}", file=sys.stderr)
        return 2
    print("\n".join(report))
    if not args.dry_run:
        args.spec.write_text(text, encoding="utf-8")
        print(f"\nWrote {args.spec}. Next: review the diff, `make generate`, `make drift`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
