"""Helpers for the everyday PATCH: updates from mappings, minimal updates, unset vs null.

Each returns (or takes) the keyword arguments of ``update(...)``, so they plug straight in::

    fields = fields_from_mapping(UpdateCustomerRequest, {"vatNumber": "DK1", "email": None})
    await light.customers.update(customer_id, **fields)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar, overload

from .._generated.types import Unset
from . import fields as _fields
from .validation import check_request, nullable_properties

__all__ = ["fields_from_mapping", "minimal_update", "or_none", "request_body"]

T = TypeVar("T")


class _RequestModel(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def fields_from_mapping(request_type: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """``update(...)`` keywords from a mapping with JSON (``vatNumber``) or Python (``vat_number``) keys.

    For a CSV row or a webhook payload: ``None`` means "clear" (sent as null), a key left out
    means "unchanged", nested objects may be plain dicts (``{"address": {"city": "Aarhus"}}``)
    and dates and UUIDs may be strings. A key that is not a field raises ``TypeError`` naming
    it and the closest field; a value of the wrong type raises ``ValueError`` naming its path.

    >>> from light_client.models import UpdateCustomerRequest
    >>> fields_from_mapping(UpdateCustomerRequest, {"vatNumber": "DK1", "email": None})
    {'email': None, 'vat_number': 'DK1'}
    """
    json_names = _fields.json_names(request_type)  # {python_name: jsonName}
    document: dict[str, Any] = {}
    for key, value in data.items():
        json_name = json_names.get(key) or (key if key in json_names.values() else None)
        if json_name is None:
            raise _fields.unknown_field_error(
                request_type, key, [*json_names.values(), *json_names]
            )
        document[json_name] = _jsonable(value)
    check_request(request_type.__name__, document)
    return _set_fields(request_type.from_dict(document))


def _jsonable(value: Any) -> Any:
    """A value as JSON would hold it (generated models and lists of them become dicts)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, (str, bool, int, float, dict)):
        return value
    return str(value)  # UUID, date, datetime, enum: their JSON form


def _set_fields(model: Any) -> dict[str, Any]:
    """The fields of a model that are not UNSET, by keyword."""
    values = {name: getattr(model, name) for name in _fields.json_names(type(model))}
    return {name: value for name, value in values.items() if not isinstance(value, Unset)}


def minimal_update(
    request_type: type[Any], last_seen: Any, wanted: Mapping[str, Any]
) -> dict[str, Any]:
    """The smallest ``update(...)`` that turns ``last_seen`` into ``wanted``.

    ``last_seen`` is the resource as last fetched (e.g. a ``Customer``); ``wanted`` maps fields
    (JSON or Python keys, as for ``fields_from_mapping``) to the values they should have. Only
    fields whose value differs are set; a text field that became empty (``""``) is sent as null
    where the resource's field may be null (else as ``""``: Light refuses null there);
    nested objects are compared field by field, and when one field changed the object is sent
    whole with the others as they were (a PATCH replaces a nested object). Lists of objects
    cannot be compared with the response shape and are sent whenever they are wanted.
    """
    json_names = _fields.json_names(request_type)
    clearable = nullable_properties(type(last_seen).__name__)
    wanted_fields = fields_from_mapping(
        request_type,
        {
            # An emptied text is a cleared field -- where the resource can hold null at all.
            key: (None if value == "" and json_names.get(key, key) in clearable else value)
            for key, value in wanted.items()
        },
    )
    new = request_type(**wanted_fields).to_dict()
    old = last_seen.to_dict()
    changed: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            merged = {**before, **value}
            if merged != before:
                changed[key] = merged
        elif (
            isinstance(value, list) and any(isinstance(item, dict) for item in value)
        ) or value != before:
            changed[key] = value
    return fields_from_mapping(request_type, changed)


@overload
def or_none(value: Unset) -> None: ...
@overload
def or_none(value: T | Unset) -> T | None: ...
def or_none(value: Any) -> Any:
    """A request model's field, or ``None`` when it is ``UNSET`` (not to be sent). An answer's
    fields are ``None`` already when Light left them out; ``or_none`` passes them through.

    >>> from light_client.models import UpdateCustomerRequest
    >>> or_none(UpdateCustomerRequest(name="Acme").email) is None
    True
    """
    return None if isinstance(value, Unset) else value


def request_body(model: _RequestModel) -> str:
    """The exact JSON body the SDK sends for a request model (for logs and dry runs).

    >>> from light_client.models import UpdateCustomerRequest
    >>> request_body(UpdateCustomerRequest(name="Acme", email=None))
    '{"name":"Acme","email":null}'
    """
    return _fields.encode_body(model.to_dict()).decode()
