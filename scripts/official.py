"""Light's official OpenAPI document, as published, made into a document the generator reads.

Light publishes OpenAPI 3.0.1 written by its server framework. The generator and the runtime
read the 3.1 dialect in openapi.yaml's conventions. Each normalisation below is a function over
the whole document with the reason it exists; none names an operation. ``normalise`` applies
them all, in order, to a copy:

    python scripts/official.py [--official PATH] [--out PATH]   # the normalised document

``scripts/adopt.py`` copies operations from it into openapi.yaml for review, and
``scripts/conformance.py`` generates the SDK from all of it.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL = ROOT / "tests" / "data" / "light-openapi-public.json"
SCHEMAS = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

Document = dict[str, Any]
Normalisation = Callable[[Document], None]


def operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path, operation)`` for every operation of the document."""
    for path, path_item in document.get("paths", {}).items():
        for method in METHODS:
            operation = path_item.get(method)
            if isinstance(operation, dict):
                yield method, path, operation


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``node``, ``node`` included, depth first."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def _schema_nodes(document: Document) -> Iterator[dict[str, Any]]:
    """Every schema object of the document: components, parameters, bodies and answers."""
    for schema in document.get("components", {}).get("schemas", {}).values():
        yield from _nodes(schema)
    for _, _, operation in operations(document):
        for parameter in operation.get("parameters", []):
            yield from _nodes(parameter.get("schema", {}))
        for holder in [operation.get("requestBody") or {}, *operation["responses"].values()]:
            for media in (holder.get("content") or {}).values():
                yield from _nodes(media.get("schema") or {})


def drop_options_operations(document: Document) -> None:
    """OPTIONS operations are CORS pre-flight answers of Light's web stack, not API calls: the SDK
    has no method for them (Light's 183 operations are its 181 API calls and these 2)."""
    for path_item in document["paths"].values():
        path_item.pop("options", None)


def default_answer_is_success(document: Document) -> None:
    """Light declares its success answer as ``default`` (177 of 181): success is 200 (reference
    README). An operation with no 2xx answer gets its ``default`` as ``200``; any other answer
    it declares stays."""
    for _, _, operation in operations(document):
        responses = operation["responses"]
        if "default" in responses and not any(str(code).startswith("2") for code in responses):
            answer = responses.pop("default")
            operation["responses"] = {"200": answer, **responses}


def tags_without_version(document: Document) -> None:
    """Tags read ``v1 - Customer Credits``; the resource is ``Customer Credits`` (the version is
    in every path already), so ``light.customer_credits``."""
    for _, _, operation in operations(document):
        operation["tags"] = [re.sub(r"^v\d+ - ", "", tag) for tag in operation.get("tags", [])]
    for tag in document.get("tags", []):
        tag["name"] = re.sub(r"^v\d+ - ", "", tag["name"])


def nullable_components_on_references(document: Document) -> None:
    """Light marks whole object schemas ``nullable`` (an answer may hold null where the object
    is expected). A component is a model, never null itself: the nullability moves to every
    property, array item and map value that refers to it (openapi.yaml's convention), not to a
    part of an ``allOf``."""
    schemas = document["components"]["schemas"]
    nullable = {name for name, schema in schemas.items() if schema.pop("nullable", None)}
    references = {f"{SCHEMAS}{name}" for name in nullable}

    def mark(node: Any) -> None:
        if isinstance(node, dict) and node.get("$ref") in references:
            node["nullable"] = True

    for node in list(_schema_nodes(document)):
        for value in node.get("properties", {}).values():
            mark(value)
        mark(node.get("items"))
        mark(node.get("additionalProperties"))


def nullable_as_type(document: Document) -> None:
    """3.0's ``nullable: true`` is 3.1's ``null`` among the types: the runtime validates with JSON
    Schema 2020-12, which does not know ``nullable`` (a null would be refused). A nullable
    ``$ref``, composition or enum becomes ``oneOf`` with ``{type: null}``, as in openapi.yaml;
    another type gets ``null`` among its types. ``nullable: false`` says nothing and goes."""
    for node in list(_schema_nodes(document)):
        nullable = node.pop("nullable", None)
        if nullable is not True:
            continue
        # A nullable enum: the enum, or null. A $ref or a composition likewise.
        keys = ("type", "enum", "format") if isinstance(node.get("enum"), list) else ()
        if not keys and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            continue
        keys = keys or ("$ref", "allOf", "oneOf")
        inner = {key: node.pop(key) for key in keys if key in node}
        if inner:
            node["oneOf"] = [inner, {"type": "null"}]
    document["openapi"] = "3.1.0"


def schema_titles_dropped(document: Document) -> None:
    """Four schemas carry a ``title`` (two the same, ``Bank payment``); the generator would name
    their classes by it. The component's name is the class name."""
    for schema in document["components"]["schemas"].values():
        schema.pop("title", None)


def discriminated_parents_without_cycles(document: Document) -> None:
    """A discriminated parent lists its kinds in ``oneOf``, and each kind is ``allOf`` the parent
    and its own properties: a cycle the generator cannot type. Each kind gets the parent's own
    properties copied in place of the reference, and the parent, its ``oneOf`` dropped, is the
    common part (a kind's own fields are kept as additional properties on it)."""
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        kinds = schema.get("oneOf")
        if not (isinstance(kinds, list) and schema.get("discriminator")):
            continue
        # The kind is not nullable because its parent is (a nullable parent's copy would make
        # the kind "object or null", which no allOf can extend).
        parent = {
            k: v
            for k, v in schema.items()
            if k not in ("oneOf", "discriminator", "nullable", "description")
        }
        for kind in kinds:
            kind_schema = schemas[kind["$ref"].removeprefix(SCHEMAS)]
            kind_schema["allOf"] = [
                copy.deepcopy(parent) if part.get("$ref") == SCHEMAS + name else part
                for part in kind_schema.get("allOf", [])
            ]
        del schema["oneOf"]


def all_of_parts_agree(document: Document) -> None:
    """A kind that is ``allOf`` a shared parent and its own properties sometimes declares again a
    property of the parent, differently (a discount's ``startDate``: a date in the parent, a
    nullable date in the kind); allOf would demand both, and the generator cannot merge them.
    The kind's own declaration, the more specific, is the one kept: the parent's part becomes a
    copy of the parent without those properties."""
    schemas = document["components"]["schemas"]
    for schema in schemas.values():
        parts = schema.get("allOf")
        if not isinstance(parts, list):
            continue
        own = {name for part in parts if "$ref" not in part for name in part.get("properties", {})}
        for index, part in enumerate(parts):
            target = schemas.get(str(part.get("$ref", "")).removeprefix(SCHEMAS))
            if target is None:
                continue
            clashing = {
                name
                for name, declared in target.get("properties", {}).items()
                if name in own
                and any(
                    other.get("properties", {}).get(name, declared) != declared
                    for other in parts
                    if "$ref" not in other
                )
            }
            if clashing:
                copied = {
                    k: copy.deepcopy(v)
                    for k, v in target.items()
                    if k not in ("nullable", "description", "discriminator", "oneOf")
                }
                for name in clashing:
                    del copied["properties"][name]
                parts[index] = copied


def pdf_answers_are_binary(document: Document) -> None:
    """A PDF answer declares no schema; it is a document the SDK hands over as bytes, so it gets
    ``{type: string, format: binary}`` (the generator's bytes)."""
    for _, _, operation in operations(document):
        for answer in operation["responses"].values():
            for media_type, media in (answer.get("content") or {}).items():
                if not media_type.startswith("application/json") and not media.get("schema"):
                    media["schema"] = {"type": "string", "format": "binary"}


def schemaless_json_is_no_content(document: Document) -> None:
    """A JSON answer with no schema to a write (deletes, unlinks, sends: 19 operations) says
    nothing about its body: the SDK returns ``None`` (the body, if any, stays on
    ``with_raw_response``). To a GET, the body is what was asked for: it is any JSON (``{}``),
    returned as parsed."""
    for method, _, operation in operations(document):
        if method == "get":
            for answer in operation["responses"].values():
                for media_type, media in (answer.get("content") or {}).items():
                    if media_type.startswith("application/json") and not media.get("schema"):
                        media["schema"] = {}
            continue
        for answer in operation["responses"].values():
            content = answer.get("content") or {}
            for media_type in list(content):
                if media_type.startswith("application/json") and not content[media_type].get(
                    "schema"
                ):
                    del content[media_type]
            if "content" in answer and not content:
                del answer["content"]


def deprecated_query_parameters_dropped(document: Document) -> None:
    """A deprecated query parameter (``offset``: "never send it") gets no keyword: the SDK never
    sends what Light is retiring."""
    for _, _, operation in operations(document):
        operation["parameters"] = [
            parameter
            for parameter in operation.get("parameters", [])
            if not (parameter.get("in") == "query" and parameter.get("deprecated"))
        ]


def no_body_on_get(document: Document) -> None:
    """A GET with a request body (``getInvoicePayableApprovals`` declares Light's
    ``LightPrincipal``, the caller's identity, as one) gets none: HTTP gives a GET's body no
    meaning (RFC 9110, 9.3.1) and proxies refuse it."""
    for method, _, operation in operations(document):
        if method == "get":
            operation.pop("requestBody", None)


def date_parameters_are_dates(document: Document) -> None:
    """Light's framework declares its date query parameters (``asOf``, ``date``) as the component
    ``LocalDateParam``, ``{type: object}``, which no query string can carry; their descriptions
    say what they are: an ISO-8601 date (``2026-05-07``). A parameter referring to it gets
    ``{type: string, format: date}``."""
    for _, _, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter.get("schema", {}).get("$ref") == f"{SCHEMAS}LocalDateParam":
                parameter["schema"] = {"type": "string", "format": "date"}


def inline_bodies_named(document: Document) -> None:
    """An inline object body (the token endpoint's form) becomes a component named
    ``<OperationId>Request``: every body the SDK sends is a named model."""
    schemas = document["components"]["schemas"]
    for _, _, operation in operations(document):
        for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
            schema = media.get("schema") or {}
            if schema.get("type") == "object" and "$ref" not in schema:
                name = operation["operationId"][:1].upper() + operation["operationId"][1:]
                schemas[f"{name}Request"] = schema
                media["schema"] = {"$ref": f"{SCHEMAS}{name}Request"}


def error_schemas_named(document: Document) -> None:
    """The runtime reads Light's error body by its names in openapi.yaml: the schema Light's
    error answers (4xx) declare is ``Error``, the items of its ``errors`` ``ErrorDetail``."""
    errors = {
        str(media.get("schema", {}).get("$ref", "")).removeprefix(SCHEMAS)
        for _, _, operation in operations(document)
        for code, answer in operation["responses"].items()
        if str(code).startswith("4")
        for media in (answer.get("content") or {}).values()
    }
    schemas = document["components"]["schemas"]
    if len(errors) != 1 or next(iter(errors)) not in schemas:
        return
    (error,) = errors
    items = schemas[error].get("properties", {}).get("errors", {}).get("items", {})
    detail = str(items.get("$ref", "")).removeprefix(SCHEMAS)
    renames = {error: "Error"}
    if detail in schemas:
        renames[detail] = "ErrorDetail"
    rename_schemas(document, renames)


def schema_names_shortened(document: Document) -> None:
    """``ExternalCustomerV1Model`` is ``Customer``, as in openapi.yaml: the ``External`` prefix
    and the ``V1Model`` suffix name nothing for a user. A name that would then collide with
    another keeps its published form."""
    schemas = document["components"]["schemas"]
    short = {name: re.sub(r"^External(?=[A-Z])|V1Model$", "", name) for name in schemas}
    taken: dict[str, int] = {}
    for name in short.values():
        taken[name] = taken.get(name, 0) + 1
    renames = {
        name: new
        for name, new in short.items()
        if new != name and taken[new] == 1 and new not in schemas
    }
    rename_schemas(document, renames)


def rename_schemas(document: Document, renames: dict[str, str]) -> None:
    """Rename components (``old -> new``) and every reference to them."""
    if not renames:
        return
    schemas = document["components"]["schemas"]
    document["components"]["schemas"] = {
        renames.get(name, name): schema for name, schema in schemas.items()
    }
    for node in _nodes(document):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            old = ref.removeprefix(SCHEMAS)
            if old in renames:
                node["$ref"] = SCHEMAS + renames[old]


# In order: the answers first (later steps look at success answers and their content).
NORMALISATIONS: tuple[Normalisation, ...] = (
    drop_options_operations,
    default_answer_is_success,
    tags_without_version,
    schemaless_json_is_no_content,
    pdf_answers_are_binary,
    deprecated_query_parameters_dropped,
    date_parameters_are_dates,
    no_body_on_get,
    inline_bodies_named,
    schema_titles_dropped,
    discriminated_parents_without_cycles,
    all_of_parts_agree,
    nullable_components_on_references,
    nullable_as_type,
    error_schemas_named,
    schema_names_shortened,
)


def normalise(published: Document) -> Document:
    """A normalised copy of Light's published document (``published`` is not changed)."""
    document = copy.deepcopy(published)
    for step in NORMALISATIONS:
        step(document)
    return document


def load(path: Path = OFFICIAL) -> Document:
    loaded: Document = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, default=OFFICIAL)
    parser.add_argument("--out", type=Path, help="write here (default: standard output)")
    args = parser.parse_args()
    text = json.dumps(normalise(load(args.official)), indent=1, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
