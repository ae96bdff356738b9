"""What a resource holds, as the mock serves it: the items of its collections (a credit's
``lines``: created, updated, deleted through ``/customer-credits/{id}/lines/{lineId}``) and its
links to documents the mock does not hold (``/customer-credits/{id}/invoice-receivables/{irId}``).

Driven by openapi.yaml like the rest of the mock: an operation on a path segment after the
resource's id is a collection operation when the resource's schema has an array property of
that name whose items are the operation's answer; anything else there is a link.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from .._runtime import schemas
from ._http import not_found as _not_found
from ._seed import COMPANY_ID
from ._store import Store, response_properties

__all__ = ["Links", "add_item", "change_item"]

Outcome = tuple[int, bytes]


def _now() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fields(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The request's fields that the stored ``kind`` has (a request may name more)."""
    properties = response_properties(schemas.document(), kind)
    return {name: value for name, value in body.items() if name in properties}


def add_item(
    store: Store, parent: str, parent_id: str, collection: str, item_kind: str, body: dict[str, Any]
) -> tuple[Outcome, dict[str, Any] | None]:
    """A new item in the parent's collection; the parent as it would be stored (``None``: 404)."""
    found = store.get(parent, parent_id)
    if found is None:
        return (404, _not_found(parent, parent_id)), None
    now = _now()
    item = {
        "id": str(uuid.uuid4()),
        "companyId": COMPANY_ID,
        f"{parent[0].lower()}{parent[1:]}Id": parent_id,
        "createdAt": now,
        "updatedAt": now,
        **_fields(item_kind, body),
    }
    item = {name: value for name, value in item.items() if name in _known(item_kind)}
    found[collection] = [*(found.get(collection) or []), item]
    return (200, json.dumps(item).encode()), found


def change_item(
    store: Store,
    parent: str,
    parent_id: str,
    collection: str,
    item_kind: str,
    item_id: str,
    body: dict[str, Any] | None,
) -> tuple[Outcome, dict[str, Any] | None]:
    """The item updated (``body``) or removed (``None``); the parent as it would be stored."""
    found = store.get(parent, parent_id)
    if found is None:
        return (404, _not_found(parent, parent_id)), None
    items = list(found.get(collection) or [])
    index = next((i for i, item in enumerate(items) if item and item.get("id") == item_id), None)
    if index is None:
        return (404, _not_found(item_kind, item_id)), None
    if body is None:
        del items[index]
        answer = b""
    else:
        items[index] = {**items[index], **_fields(item_kind, body), "updatedAt": _now()}
        answer = json.dumps(items[index]).encode()
    found[collection] = items
    return (200, answer), found


def _known(kind: str) -> set[str]:
    return set(response_properties(schemas.document(), kind))


def _camel(words: str) -> str:
    """``customer-credits`` or ``CustomerCredit`` -> ``customerCredit`` (a trailing plural
    ``s`` dropped)."""
    parts = [part for part in words.replace("-", " ").split(" ") if part]
    text = "".join(part[:1].upper() + part[1:] for part in parts).removesuffix("s")
    return text[:1].lower() + text[1:]


class Links:
    """Links between a resource and a document the mock does not hold (an invoice
    receivable), by the pair of ids. A link is answered as its schema says: the two documents
    by reference (``customerCredit``, ``invoiceReceivable``: named after the resource and the
    path's segment), the amount applied, when it was linked."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], dict[str, Any]] = {}

    def link(
        self,
        store: Store,
        parent: str,
        parent_id: str,
        other: str,
        other_id: str,
        body: dict[str, Any],
    ) -> Outcome:
        found = store.get(parent, parent_id)
        if found is None:
            return 404, _not_found(parent, parent_id)
        link = {
            "companyId": COMPANY_ID,
            _camel(parent): {"id": parent_id},
            _camel(other): {"id": other_id},
            "amount": body.get("amount") or 0,
            "linkedAt": _now(),
        }
        self.links[(parent_id, other_id)] = link
        return 200, json.dumps(link).encode()

    def unlink(self, store: Store, parent: str, parent_id: str, other_id: str) -> Outcome:
        if store.get(parent, parent_id) is None:
            return 404, _not_found(parent, parent_id)
        if self.links.pop((parent_id, other_id), None) is None:
            return 404, _not_found("link to", other_id)
        return 200, b""
