"""The one loader of the generated document: openapi.yaml as the generator wrote it out.

``scripts/generate.py`` writes openapi.yaml into the generated package as
``light_client/_generated/openapi.json``. This module reads it, once, on first use (not at
import); everything at run time that needs a schema -- response and request validation, the
nullable and text fields of a model, the pydantic schemas, the mock's routes -- asks here.
What an operation is (its method, path, body and answer) is not looked up here: the generated
resources hand it over as literals.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["component", "document"]

DOCUMENT_FILE = "openapi.json"


@cache
def document() -> dict[str, Any]:
    """openapi.yaml, as JSON (loaded once; treat it as read-only)."""
    text = files("light_client._generated").joinpath(DOCUMENT_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def component(name: str) -> dict[str, Any]:
    """The schema ``#/components/schemas/<name>``."""
    schema: dict[str, Any] = document()["components"]["schemas"][name]
    return schema
