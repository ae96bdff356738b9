"""The mock's in-memory data (what a ``Seed`` made it, then changed) and PATCH semantics."""

from __future__ import annotations

import copy
import datetime
import threading
from typing import Any

from ._seed import COMPANY_ID, CREATED_AT, NEW_STATUS

__all__ = ["Store", "response_properties"]


def response_properties(spec: dict[str, Any], schema_name: str) -> dict[str, Any]:
    properties: dict[str, Any] = spec["components"]["schemas"][schema_name]["properties"]
    return properties


def _now_after(previous: str) -> str:
    now = datetime.datetime.now(datetime.UTC)
    before = datetime.datetime.fromisoformat(previous)
    if now <= before:
        now = before + datetime.timedelta(milliseconds=1)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """Resources by kind and id, under the lock it is given (the mock's one lock: its counters
    and this data change together)."""

    def __init__(
        self, resources: dict[str, dict[str, dict[str, Any]]], lock: threading.RLock | None = None
    ) -> None:
        self.lock = lock or threading.RLock()
        self.resources = resources  # kind -> id -> resource; the store's own from here on

    def get(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        """A copy of the resource, or None (also for a kind the store has never held)."""
        with self.lock:
            found = self.resources.get(kind, {}).get(resource_id)
            return copy.deepcopy(found) if found is not None else None

    def updated(self, kind: str, resource_id: str, update: dict[str, Any]) -> dict[str, Any]:
        """PATCH, not yet stored: a property absent from ``update`` is unchanged, one set to
        null is cleared. ``put`` stores it (the mock checks it against the schema between)."""
        with self.lock:
            return self.changed(self.resources[kind][resource_id], update)

    def changed(self, resource: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``resource`` with ``update`` applied as a PATCH is, and a new ``updatedAt``."""
        with self.lock:
            candidate = copy.deepcopy(resource)
            for name, value in update.items():
                candidate[name] = self._stored_value(name, value)
            if "customerName" in candidate and "customerId" in update:
                customer = self.resources["Customer"].get(str(update["customerId"]))
                candidate["customerName"] = customer["name"] if customer else None
            candidate["updatedAt"] = _now_after(candidate["updatedAt"])
            return candidate

    @staticmethod
    def created(kind: str, resource_id: str) -> dict[str, Any]:
        """A new resource of ``kind`` as the server makes it before the request's fields."""
        now = _now_after(CREATED_AT)
        return {
            "id": resource_id,
            "status": NEW_STATUS.get(kind),
            "createdAt": now,
            "updatedAt": now,
        }

    def put(self, kind: str, resource: dict[str, Any]) -> None:
        with self.lock:
            self.resources[kind][resource["id"]] = copy.deepcopy(resource)

    @staticmethod
    def _stored_value(name: str, value: Any) -> Any:
        # Request and response shapes differ for these: store the response shape.
        if name == "customProperties" and value is not None:
            return [
                {
                    "groupId": item["groupId"],
                    "groupInternalName": "group",
                    "values": [
                        {
                            "id": value_id,
                            "groupId": item["groupId"],
                            "companyId": COMPANY_ID,
                            "groupInternalName": "group",
                            "internalName": value_id,
                            "label": value_id,
                            "context": None,
                            "createdAt": CREATED_AT,
                            "updatedAt": CREATED_AT,
                        }
                        for value_id in item.get("valueIds") or []
                    ],
                }
                for item in value
                if item is not None and "groupId" in item
            ]
        if name in ("recipientEmails", "ccEmails"):
            return [email for email in value or [] if email is not None]
        return value
