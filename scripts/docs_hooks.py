"""MkDocs hooks of the docs site (mkdocs.yml ``hooks:``): the pages generated at build time.

``docs/operations.md`` holds ``<!-- operations -->``, replaced by a table of every operation of
``openapi.yaml``: its operationId, the method that calls it (``light_client.operation_index()``),
its HTTP method and path, and its summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from light_client import operation_index

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- operations -->"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def operations_table() -> str:
    """The Markdown table of every operation, in the order of ``openapi.yaml``."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    methods = operation_index()
    rows = [
        "| operationId | method | HTTP | summary |",
        "| --- | --- | --- | --- |",
    ]
    seen = set()
    for path, item in spec["paths"].items():
        for verb in HTTP_METHODS:
            operation = item.get(verb)
            if operation is None:
                continue
            operation_id = operation["operationId"]
            seen.add(operation_id)
            summary = " ".join(operation.get("summary", "").split()).replace("|", "\\|")
            deprecated = " (deprecated)" if operation.get("deprecated") else ""
            rows.append(
                f"| `{operation_id}` | `light.{methods[operation_id]}` | "
                f"`{verb.upper()} {path}` | {summary}{deprecated} |"
            )
    missing = sorted(set(methods) - seen)
    if missing:
        raise ValueError(f"operation_index() has operations openapi.yaml lacks: {missing}")
    return "\n".join(rows)


def on_page_markdown(markdown: str, /, *, page: Any, config: Any, files: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, operations_table())
    return markdown
