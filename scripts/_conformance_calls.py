"""Call every operation of the generated copy once (``scripts/conformance.py`` runs this with
the copy first on ``PYTHONPATH``): ``python _conformance_calls.py BASE_URL``.

Each operation is found by ``OPERATIONS`` (operationId -> dotted method) on a lenient
``SyncLightClient``; its literal ``Operation`` gives the path parameters and the body, built
from what the body's schema requires. One line per failure, then a JSON summary line.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import attrs
import httpx

import light_client
from light_client import SyncLightClient, operation_index
from light_client._runtime.operation import Operation
from light_client._runtime.pagination import Page, SyncPaginator
from light_client._runtime.schemas import document

UUID_VALUE = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
TEXT_VALUE = "EUR"


def operations() -> dict[str, Operation[Any]]:
    """Every ``Operation`` literal of the generated resources, by operationId."""
    found: dict[str, Operation[Any]] = {}
    resources = Path(light_client.__file__).parent / "resources"
    for module_path in sorted(resources.glob("*.py")):
        if module_path.stem == "__init__":
            continue
        module = importlib.import_module(f"light_client.resources.{module_path.stem}")
        for value in vars(module).values():
            if isinstance(value, Operation):
                found[value.operation_id] = value
    return found


def example(schema: dict[str, Any]) -> Any:
    """A value that satisfies ``schema``'s requirements, and no more."""
    if "$ref" in schema:
        name = schema["$ref"].rpartition("/")[2]
        return example(document()["components"]["schemas"][name])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"]
            return example(branches[0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "string":
        return {"uuid": UUID_VALUE, "date": "2026-05-07", "date-time": "2026-05-07T12:00:00Z"}.get(
            schema.get("format", ""), "x"
        )
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    properties = schema.get("properties", {})
    return {name: example(properties[name]) for name in schema.get("required", [])}


def keywords(model_type: type[Any], value: dict[str, Any]) -> dict[str, Any]:
    """The method keywords for a body given as JSON: each field as the model holds it."""
    model = model_type.from_dict(value)
    names: dict[str, str] = model_type.JSON_NAMES
    return {
        python: getattr(model, python) for python, json_name in names.items() if json_name in value
    }


def arguments(operation: Operation[Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    path = tuple(
        UUID_VALUE if parameter.format == "uuid" else TEXT_VALUE
        for parameter in operation.path_parameters
    )
    params: dict[str, Any] = {}
    body_type = operation.body_type
    if body_type is not None and operation.body_schema is not None:
        schema = document()["components"]["schemas"][operation.body_schema]
        if operation.body_kind == "json-array":
            params["body"] = [body_type.from_dict(example(schema))]
        else:
            params.update(keywords(body_type, example(schema)))
    return path, params


def typed(operation: Operation[Any], result: Any) -> bool:
    """Whether ``result`` is what the method's annotation promises."""
    kind = operation.answer_kind
    if kind == "json":
        return True  # JSON of no declared shape: any value, None for no body
    if kind == "none":
        return result is None
    if kind == "bytes":
        return isinstance(result, bytes)
    if kind == "page":
        return isinstance(result, Page) and all(attrs.has(type(r)) for r in result.records)
    if kind == "list":
        return isinstance(result, list) and all(attrs.has(type(item)) for item in result)
    return attrs.has(type(result))


def main() -> int:
    base_url = sys.argv[1]
    index = operation_index()
    found = operations()
    called = 0
    # Prism names what it found wrong with a request in `sl-violations`; a request it refused
    # gets no 2xx, and one it answered in spite of a violation is a failure here too.
    violations: list[str] = []

    def note_violations(response: httpx.Response) -> None:
        for violation in json.loads(response.headers.get("sl-violations", "[]")):
            if violation.get("location", [None])[0] == "request":
                violations.append(str(violation.get("message")))

    http = httpx.Client(event_hooks={"response": [note_violations]})
    with (
        http,
        SyncLightClient(
            api_key="conformance",
            base_url=base_url,
            max_retries=0,
            max_requests_per_minute=None,
            strict_response_validation=False,
            http_client=http,
        ) as light,
    ):
        for operation_id, dotted in sorted(index.items()):
            operation = found[operation_id]
            method: Any = light
            for part in dotted.split("."):
                method = getattr(method, part)
            path, params = arguments(operation)
            violations.clear()
            try:
                result = method(*path, **params)
                if isinstance(result, SyncPaginator):
                    result = result.first_page()
            except Exception as error:  # every failure is reported; none stops the run
                print(f"FAILED {operation_id} ({dotted}): {type(error).__name__}: {error}")
                continue
            if violations:
                print(f"REFUSED {operation_id} ({dotted}): Prism: {'; '.join(violations)}")
            elif typed(operation, result):
                called += 1
            else:
                print(f"UNTYPED {operation_id} ({dotted}): {type(result).__name__}")
    where = Path(light_client.__file__).parent
    print(json.dumps({"generated": len(found), "called": called, "package": str(where)}))
    return 0 if called == len(found) else 1


if __name__ == "__main__":
    raise SystemExit(main())
