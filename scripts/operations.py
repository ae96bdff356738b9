"""What each operation of an OpenAPI document is, as the resource templates write it.

``resources(document, class_of)`` reads every operation of the document (openapi.yaml, or
Light's whole document after ``official.normalise``) into plain facts, grouped by resource: its
method's name and place (``light.customer_credits.lines.update``), its path, query and header
parameters with their Python types, its body (a JSON model, a JSON array of models, or a form)
and its answer (a model, a list of models, a page, bytes, or nothing). No operation is named
here: every fact follows from the document by the rules below, and an operation of a shape the
runtime cannot send fails the run, naming it and why.

Method names. The resource is the tag (``Customer Credits`` -> ``customer_credits``). The method
is the operationId's words less the resource's noun (``getCustomerCredit`` -> ``get``;
``listCustomerCredits`` -> ``list``; the plural only after ``list``), less a trailing ``By Id`` and the numeric suffix of a
duplicate operationId (``getAttachedDocument_1``), less a dangling preposition
(``generateUploadUrlForCardTransaction`` -> ``generate_upload_url``). An operation on a
sub-resource -- a path segment after the first parameter that is followed by a parameter of its
own (``/customer-credits/{id}/lines/{lineId}``), or the last segment when the operationId ends
with its noun and only a verb is left (``POST /customer-credits/{id}/lines``,
``createCustomerCreditLine``) -- goes into that sub-resource, its noun removed:
``customer_credits.lines.update(credit_id, line_id)``, ``customer_credits.lines.create(id)``;
there, a word of the resource's noun left in the name goes too (``deleteInvoiceLine`` ->
``invoice_receivables.lines.delete``).
Two operations that would get the same method fail the run, naming both.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "ANSWER_ID_EXTENSION",
    "IDEMPOTENCY_HEADER",
    "GenerationError",
    "method_place",
    "operation_facts",
    "resources",
]

# The header parameter through which Light deduplicates a write: the per-call option
# ``idempotency_key``, not a keyword of its own.
IDEMPOTENCY_HEADER = "X-Idempotency-Key"
# openapi.yaml's mark on an operation whose answer is the resource its path addresses: the path
# parameter whose value the answer's ``id`` must equal (the runtime checks it).
ANSWER_ID_EXTENSION = "x-light-answer-id"
SCHEMAS = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch")
# The keywords every method takes (RequestOptions), and the one an array body takes: no
# parameter or body field may take one of these names.
OPTION_NAMES = frozenset(
    {
        "timeout",
        "max_retries",
        "max_queue_wait",
        "extra_headers",
        "idempotency_key",
        "extra_body",
        "strict_response_validation",
    }
)
ARRAY_BODY_KEYWORD = "body"
# Every method's `**unknown`: where an unknown keyword lands, for the runtime to name the
# closest field (a keyword of its own would hide that).
CATCH_ALL = "unknown"
# Names a sub-resource or a method may not take: the resource classes' own attributes.
RESERVED_NAMES = frozenset({"with_raw_response", "update_many"})
# Names a resource (a tag) may not take: the clients' own public attributes
# (tests/generated/test_generate.py holds this to the clients).
CLIENT_ATTRIBUTES = frozenset(
    {
        "aclose",
        "base_url",
        "close",
        "copy",
        "delete",
        "get",
        "max_download_bytes",
        "max_queue_wait",
        "max_requests_per_minute",
        "max_response_bytes",
        "max_retries",
        "patch",
        "post",
        "put",
        "timeout",
        "with_options",
    }
)
PREPOSITIONS = frozenset({"for", "to", "from", "by", "of", "with", "in", "on"})
# The media types of a document answer: read as bytes.
JSON_MEDIA = "application/json"
FORM_MEDIA = "application/x-www-form-urlencoded"

ClassOf = Callable[[str], tuple[str, str]]  # component name -> (class name, module name)


class GenerationError(Exception):
    """The generator cannot produce the package from this document: what and why."""


# -- names ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """``getCustomerById`` -> ``[get, customer, by, id]``; ``getOAuthToken`` ->
    ``[get, oauth, token]``; ``invoice-receivables`` likewise."""
    # A capital before a capitalised word is one word with it: OAuth, EInvoice.
    pattern = r"[A-Z][A-Z][a-z]+|[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+"
    return [word.lower() for word in re.findall(pattern, text)]


def _singular(words: list[str]) -> list[str]:
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return [*words[:-1], last]


def _without(words: list[str], noun: list[str]) -> list[str] | None:
    """``words`` less the first run of ``noun`` after the verb, or ``None``: no such run."""
    for start in range(1, len(words) - len(noun) + 1):
        if words[start : start + len(noun)] == noun:
            return words[:start] + words[start + len(noun) :]
    return None


def _less_noun(words: list[str], noun: list[str]) -> list[str]:
    """``words`` less the noun: singular, or plural after ``list`` (``getCompanyEntities``
    keeps its ``entities``); unchanged without it."""
    for form in (_singular(noun), noun) if words[:1] == ["list"] else (_singular(noun),):
        shorter = _without(words, form)
        if shorter is not None:
            return shorter
    return words


def _python_name(text: str) -> str:
    name = "_".join(_words(text)) or "_"
    return f"{name}_" if keyword.iskeyword(name) or name in OPTION_NAMES else name


def resource_name(tag: str) -> str:
    """The attribute of a tag's resource on the clients: ``Customer Credits`` -> ``customer_credits``."""
    return "_".join(_words(tag))


def method_place(operation_id: str, tag: str, path: str) -> tuple[str | None, str]:
    """The sub-resource (``None``: the resource itself) and the method of an operation."""
    words = _words(operation_id)
    if words and words[-1].isdigit():  # getAttachedDocument_1: Light's duplicate suffix
        words = words[:-1]
    words = _less_noun(words, _words(tag))
    if words[-2:] == ["by", "id"] and len(words) > 2:
        words = words[:-2]
    segments = path.strip("/").split("/")
    first_parameter = next((i for i, s in enumerate(segments) if s.startswith("{")), None)
    group: str | None = None
    if first_parameter is not None:
        after = segments[first_parameter + 1 :]
        for index, segment in enumerate(after[:-1]):
            if not segment.startswith("{") and after[index + 1].startswith("{"):
                group = segment
        if group is not None:
            words = _less_noun(words, _words(group))
            # In a sub-resource, what is left of the resource's noun goes too: deleteInvoiceLine
            # is invoice_receivables.lines.delete.
            resource = set(_singular(_words(tag)))
            words = words[:1] + [word for word in words[1:] if word not in resource]
        elif after and not after[-1].startswith("{"):
            noun = _words(after[-1])
            for form in (_singular(noun), noun):
                if len(words) == 1 + len(form) and words[1:] == form:
                    group, words = after[-1], words[:1]
                    break
    while len(words) > 1 and words[-1] in PREPOSITIONS:
        words = words[:-1]
    method = "_".join(words)
    if keyword.iskeyword(method) or method in RESERVED_NAMES:
        method += "_"
    return (None if group is None else "_".join(_words(group))), method


# -- the document -------------------------------------------------------------------------------


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` (``#/components/...``) points at."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: Any = document
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolved(document, target)


def _component(node: dict[str, Any] | None) -> str | None:
    """``Customer`` for a ``$ref`` to ``#/components/schemas/Customer``."""
    ref = (node or {}).get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMAS):
        return ref.removeprefix(SCHEMAS)
    return None


def _parameters(
    document: dict[str, Any], path_item: dict[str, Any], operation: dict[str, Any]
) -> list[dict[str, Any]]:
    """An operation's parameters, its path item's included (the operation's win), resolved."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        resolved = _resolved(document, parameter)
        merged[(resolved["in"], resolved["name"])] = resolved
    return list(merged.values())


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                if method not in METHODS:
                    raise GenerationError(
                        f"{operation['operationId']} ({method.upper()} {path}): the runtime "
                        f"sends {', '.join(m.upper() for m in METHODS)}, not {method.upper()}"
                    )
                yield method, path, path_item, operation


def _value_type(document: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """The Python type of a parameter's value, or ``None``: none the runtime can write."""
    schema = _resolved(document, schema)
    kind = schema.get("type")
    if isinstance(kind, list):  # 3.1: ["string", "null"]
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "array":
        inner = _value_type(document, schema.get("items", {}))
        return None if inner is None or inner.startswith("list") else f"list[{inner}]"
    if kind == "string" and schema.get("enum"):  # a typo is a type error
        return f"Literal[{', '.join(repr(value) for value in schema['enum'])}]"
    if kind == "string":
        return {"uuid": "UUID | str", "date": "datetime.date"}.get(schema.get("format", ""), "str")
    return {"integer": "int", "number": "float", "boolean": "bool"}.get(str(kind))


def _success(responses: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The success answer: the first 2xx, else ``default`` (Light's way of declaring 200)."""
    for code in sorted(responses, key=str):
        if str(code).startswith("2"):
            return str(code), responses[code]
    if "default" in responses:
        return "default", responses["default"]
    raise GenerationError("it declares no success answer (2xx or default)")


def _answer(document: dict[str, Any], answer: dict[str, Any], class_of: ClassOf) -> dict[str, Any]:
    """What the success answer is: kind, schema (for the check), class, parse, accept."""
    content = _resolved(document, answer).get("content") or {}
    json_media = [media for name, media in content.items() if name.startswith(JSON_MEDIA)]
    other = [name for name in content if not name.startswith(JSON_MEDIA)]
    if json_media and json_media[0].get("schema") not in (None, {}):
        schema = json_media[0]["schema"]
        name = _component(schema)
        if name is not None:
            class_name, module = class_of(name)
            records = _records(document, name)
            if records is not None:
                record_class, record_module = class_of(records)
                return {
                    "kind": "page",
                    "schema": name,
                    "class": class_name,
                    "imports": [(module, class_name), (record_module, record_class)],
                    "type": class_name,
                    "record_class": record_class,
                    "parse": f"{class_name}.from_dict",
                    "accept": JSON_MEDIA,
                }
            return {
                "kind": "model",
                "schema": name,
                "imports": [(module, class_name)],
                "type": class_name,
                "parse": f"{class_name}.from_dict",
                "accept": JSON_MEDIA,
            }
        item = _component(schema.get("items")) if schema.get("type") == "array" else None
        if item is None:
            raise GenerationError(
                "its answer's schema is neither a schema of components nor an array of one: "
                "name it in components"
            )
        class_name, module = class_of(item)
        return {
            "kind": "list",
            "schema": f"{item}[]",
            "imports": [(module, class_name)],
            "type": f"builtins.list[{class_name}]",
            "parse": f"list_of({class_name}.from_dict)",
            "accept": JSON_MEDIA,
        }
    if json_media:  # JSON of no declared shape: returned as parsed
        return {
            "kind": "json",
            "schema": None,
            "imports": [],
            "type": "Any",
            "parse": "any_json",
            "accept": JSON_MEDIA,
        }
    if other:
        return {
            "kind": "bytes",
            "schema": None,
            "imports": [],
            "type": "bytes",
            "parse": "bytes",
            # JSON too, lower: an error answer is Light's JSON error, not a 406.
            "accept": f"{other[0]}, {JSON_MEDIA};q=0.9",
        }
    return {
        "kind": "none",
        "schema": None,
        "imports": [],
        "type": "None",
        "parse": "no_content",
        "accept": JSON_MEDIA,
    }


def _records(document: dict[str, Any], name: str) -> str | None:
    """The component of a page's records, if ``name`` is a page (``records``: an array of one
    component); ``None`` otherwise."""
    records = document["components"]["schemas"][name].get("properties", {}).get("records")
    if not records or "array" not in str(records.get("type")):
        return None
    return _component(records.get("items"))


def _body(
    document: dict[str, Any], operation: dict[str, Any], class_of: ClassOf
) -> dict[str, Any] | None:
    """The request body: kind (json, json-array, form), schema, class, media type."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    if not content:
        return None
    media_type, media = next(iter(content.items()))
    if len(content) > 1:
        raise GenerationError(f"its request body has {len(content)} media types; it takes one")
    schema = media.get("schema") or {}
    if media_type.startswith(FORM_MEDIA):
        kind, name = "form", _component(schema)
    elif media_type.startswith(JSON_MEDIA):
        kind, name = "json", _component(schema)
        if name is None and schema.get("type") == "array":
            kind, name = "json-array", _component(schema.get("items"))
    else:
        raise GenerationError(f"its request body is {media_type}, which the runtime cannot send")
    if name is None:
        raise GenerationError("its request body is not a schema of components (or an array of one)")
    class_name, module = class_of(name)
    return {
        "kind": kind,
        "schema": name,
        "class": class_name,
        "module": module,
        "content_type": media_type,
        "fields": _field_names(document, document["components"]["schemas"][name]),
    }


def _field_names(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The Python names of a body's fields (its properties, those of ``allOf`` parts too)."""
    schema = _resolved(document, schema)
    names = {_python_name(name) for name in schema.get("properties", {})}
    for part in schema.get("allOf", []):
        names |= _field_names(document, part)
    return names


def _facts(
    document: dict[str, Any],
    method: str,
    path: str,
    path_item: dict[str, Any],
    operation: dict[str, Any],
    class_of: ClassOf,
) -> dict[str, Any]:
    parameters = _parameters(document, path_item, operation)
    path_parameters: list[dict[str, Any]] = []
    query: list[dict[str, Any]] = []
    headers: list[dict[str, Any]] = []
    idempotency_header = None
    for parameter in parameters:
        where, name = parameter["in"], parameter["name"]
        description = parameter.get("description") or parameter.get("schema", {}).get("description")
        if where == "path":
            schema = _resolved(document, parameter.get("schema", {}))
            path_parameters.append(
                {
                    "python_name": _python_name(name),
                    "name": name,
                    "format": schema.get("format"),
                    "description": description,
                }
            )
            continue
        if where == "header" and name.lower() == IDEMPOTENCY_HEADER.lower():
            idempotency_header = name
            continue
        if where not in ("query", "header"):
            raise GenerationError(f"its {where} parameter {name!r} is not supported")
        if parameter.get("deprecated"):
            raise GenerationError(
                f"its {where} parameter {name!r} is deprecated: leave it out of the document"
            )
        value_type = _value_type(document, parameter.get("schema", {}))
        if value_type is None:
            raise GenerationError(
                f"its {where} parameter {name!r} has a schema the runtime cannot write "
                f"into a {'query string' if where == 'query' else 'header'}"
            )
        entry = {
            "python_name": _python_name(name),
            "name": name,
            "type": value_type,
            "description": description,
        }
        (query if where == "query" else headers).append(entry)
    for name in re.findall(r"{(\w+)}", path):
        if name not in {parameter["name"] for parameter in path_parameters}:
            raise GenerationError(f"its path parameter {name!r} is not declared")
    body = _body(document, operation, class_of)
    if body is not None and method == "get":
        raise GenerationError("it is a GET with a request body, which HTTP gives no meaning")
    _, success = _success(operation["responses"])
    answer = _answer(document, success, class_of)
    answer_id = operation.get(ANSWER_ID_EXTENSION)
    python_names = {p["name"]: p["python_name"] for p in path_parameters}
    if answer_id is not None and answer_id not in python_names:
        raise GenerationError(
            f"{ANSWER_ID_EXTENSION} names {answer_id!r}, which is not one of its path parameters"
        )
    if answer_id is not None and answer["kind"] != "model":
        raise GenerationError(f"{ANSWER_ID_EXTENSION} is set, but its answer is no one model")
    keywords = [p["python_name"] for p in query + headers]
    taken = set(OPTION_NAMES)
    if body is not None:
        taken |= {ARRAY_BODY_KEYWORD} if body["kind"] == "json-array" else body["fields"]
    for name in keywords:
        if name in taken or keywords.count(name) > 1:
            raise GenerationError(
                f"its parameter keyword {name!r} is also a body field, an option or another "
                "parameter's keyword"
            )
    if CATCH_ALL in keywords or CATCH_ALL in taken:
        raise GenerationError(f"{CATCH_ALL!r} is every method's catch-all keyword, not a field")
    # A path parameter is positional-only, but its name may not repeat a keyword's.
    for parameter in path_parameters:
        arg_name = parameter["python_name"]
        while arg_name in taken or arg_name in keywords:
            arg_name += "_"
        parameter["arg_name"] = arg_name
    if answer["kind"] == "bytes" and "file" in keywords + sorted(taken):
        raise GenerationError("'file' is its _to_file method's argument, not a free keyword")
    group, method_name = method_place(operation["operationId"], operation["tags"][0], path)
    return {
        "operation_id": operation["operationId"],
        "constant": "_".join(_words(operation["operationId"])).upper(),
        "params_class": "".join(w.capitalize() for w in _words(operation["operationId"]))
        + "Params",
        "method": method.upper(),
        "path": path,
        "tag": resource_name(operation["tags"][0]),
        "group": group,
        "name": method_name,
        "summary": operation.get("summary") or operation["operationId"],
        "description": operation.get("description"),
        "deprecated": bool(operation.get("deprecated")),
        "path_parameters": path_parameters,
        "query_parameters": query,
        "header_parameters": headers,
        "idempotency_header": idempotency_header,
        "has_cursor": any(p["name"] == "cursor" for p in query),
        "body": body,
        "answer": answer,
        "answer_id": None if answer_id is None else python_names[answer_id],
    }


def operation_facts(document: dict[str, Any], class_of: ClassOf) -> list[dict[str, Any]]:
    """The facts of every operation, in the document's order; the first that cannot be
    generated fails the run, naming it and why."""
    found = []
    for method, path, path_item, operation in _operations(document):
        where = f"{operation['operationId']} ({method.upper()} {path})"
        if not operation.get("tags"):
            raise GenerationError(f"{where}: it has no tag, so no resource")
        try:
            found.append(_facts(document, method, path, path_item, operation, class_of))
        except GenerationError as error:
            raise GenerationError(f"{where}: {error}") from None
    return found


def resources(document: dict[str, Any], class_of: ClassOf) -> dict[str, dict[str, Any]]:
    """The operations by resource, each resource's by sub-resource (``None``: its own), the
    names checked: no two operations share a method, no method shares a sub-resource's name."""
    grouped: dict[str, dict[str, Any]] = {}
    for facts in operation_facts(document, class_of):
        tag = facts["tag"]
        if keyword.iskeyword(tag) or tag in CLIENT_ATTRIBUTES or not tag.isidentifier():
            raise GenerationError(
                f"{facts['operation_id']}: its tag would be light.{tag}, which is not a free "
                "attribute of the clients: rename the tag"
            )
        resource = grouped.setdefault(tag, {"name": tag, "groups": {}, "taken": {}})
        group = resource["groups"].setdefault(facts["group"], {})
        taken = resource["taken"].setdefault(facts["group"], {})  # every name, _to_file too
        names = [facts["name"]]
        if facts["answer"]["kind"] == "bytes":
            names.append(f"{facts['name']}_to_file")
        for name in names:
            if name in taken:
                place = ".".join(filter(None, (tag, facts["group"], name)))
                raise GenerationError(
                    f"{taken[name]} and {facts['operation_id']} would both be light.{place}: "
                    "rename one operationId"
                )
            taken[name] = facts["operation_id"]
        group[facts["name"]] = facts
    for resource in grouped.values():
        own = resource.pop("taken").get(None, {})
        for group in resource["groups"]:
            if group in own:
                raise GenerationError(
                    f"light.{resource['name']}.{group} would be both a method "
                    f"({own[group]}) and a sub-resource"
                )
    return dict(sorted(grouped.items()))
