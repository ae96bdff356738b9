"""pydantic (and so FastAPI) support for the generated models, without depending on pydantic.

pydantic asks a class it does not know for ``__get_pydantic_core_schema__``; every generated
model gets one here, so a model can be returned from a FastAPI endpoint, used as its
``response_model`` or in a ``pydantic.TypeAdapter``:

- serialization is ``to_dict()``: exactly the JSON Light sends (a field it left out is left
  out, a null is null; a request model's ``UNSET`` fields left out);
- validation takes a model as it is, or a mapping in Light's JSON form, checked against
  openapi.yaml and parsed with ``from_dict()``;
- the JSON schema (in FastAPI's OpenAPI document and ``/docs``) is the model's schema from
  openapi.yaml, with its references resolved.

pydantic is imported only when pydantic itself asks for a schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["add_pydantic_support"]

REF_PREFIX = "#/components/schemas/"


# _validation is imported in the functions: these run only when pydantic asks, and this module
# is imported by light_client.models, which _validation's own imports need first.


def _resolved(node: Any) -> Any:
    """``node`` with every ``$ref`` replaced by the schema it names (the spec has no cycles)."""
    from .schemas import document

    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].removeprefix(REF_PREFIX)
            target = _resolved(document()["components"]["schemas"][name])
            return {**target, **_resolved({k: v for k, v in node.items() if k != "$ref"})}
        return {key: _resolved(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(item) for item in node]
    return node


def _validator(model_type: type[Any]) -> Callable[[Any], Any]:
    from .validation import schema_problem

    def validate(value: Any) -> Any:
        if isinstance(value, model_type):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"expected {model_type.__name__} or a mapping, got {value!r}")
        problem = schema_problem(model_type.__name__, value)
        if problem is not None:
            raise ValueError(f"{problem.where or 'body'}: {problem.message}")
        return model_type.from_dict(value)

    return validate


def _core_schema(cls: type[Any], source_type: Any, handler: Any) -> Any:
    from pydantic_core import core_schema  # only ever called by pydantic

    return core_schema.no_info_plain_validator_function(
        _validator(cls),
        serialization=core_schema.plain_serializer_function_ser_schema(lambda m: m.to_dict()),
    )


def _json_schema(cls: type[Any], core_schema: Any, handler: Any) -> dict[str, Any]:
    from .schemas import document

    schema: dict[str, Any] = _resolved(document()["components"]["schemas"][cls.__name__])
    return {"title": cls.__name__, **schema}


def add_pydantic_support(model_types: Iterable[type[Any]]) -> None:
    """Give each model (an attrs class with ``to_dict``/``from_dict``) the two pydantic hooks."""
    for model_type in model_types:
        model_type.__get_pydantic_core_schema__ = classmethod(_core_schema)
        model_type.__get_pydantic_json_schema__ = classmethod(_json_schema)
