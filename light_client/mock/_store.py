"""The mock's in-memory data: seeded customers and customer credits, and PATCH semantics."""

from __future__ import annotations

import copy
import datetime
import threading
from typing import Any

__all__ = ["SEED_CREDIT_ID", "SEED_CUSTOMER_ID", "Store", "response_properties"]

SEED_CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"
SECOND_CUSTOMER_ID = "a3e9b1d2-64c8-4f0a-8e15-2b7c9d4f1e02"
SEED_CREDIT_ID = "c81d4e2f-7a9b-4c3d-8e1f-0a2b3c4d5e03"
COMPANY_ID = "0e7b5c3a-9d1f-4a2b-8c6e-4f3a2b1c0d04"
ENTITY_ID = "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c05"
PRODUCT_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d06"
LEDGER_ACCOUNT_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b07"
CREATED_AT = "2026-01-15T09:30:00Z"
# The status of a resource just created, by kind.
NEW_STATUS = {"Customer": "ACTIVE", "CustomerCredit": "DRAFT"}


def _customer(customer_id: str, name: str, email: str, city: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": name,
        "email": email,
        "address": {
            "country": "DK",
            "city": city,
            "state": "",
            "zipcode": "2100",
            "street": "Østerbrogade 1",
            "street2": "",
        },
        "billingAddress": None,
        "shippingAddress": None,
        "status": "ACTIVE",
        "description": "Seeded by the Light mock",
        "vatNumber": "DK12345678",
        "businessRegistrationNumber": "12345678",
        "easCode": "0184",
        "einvoiceAddress": "12345678",
        "einvoiceNetwork": "NEMHANDEL",
        "type": "BUSINESS",
        "logoUrl": None,
        "domain": "nordlys.example",
        "externalSource": None,
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "customProperties": [],
        "recipientEmails": [email],
        "ccEmails": [],
    }


def _amount(amount: int, sign: str = "C") -> dict[str, Any]:
    return {"amount": amount, "dcSign": sign}


def _credit(credit_id: str, customer: dict[str, Any]) -> dict[str, Any]:
    line = {
        "id": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c08",
        "companyId": COMPANY_ID,
        "customerCreditId": credit_id,
        "grossTransactionAmount": _amount(12_500),
        "netTransactionAmount": _amount(10_000),
        "description": "Refund for returned goods",
        "ledgerTaxId": None,
        "taxTransactionAmount": _amount(2_500),
        "ledgerAccountId": LEDGER_ACCOUNT_ID,
        "avataxCode": None,
        "productId": PRODUCT_ID,
        "quantity": 1,
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "accrualTemplateId": None,
        "accrualStartDate": None,
        "accrualEndDate": None,
        "accrualDefaultDuration": None,
    }
    return {
        "id": credit_id,
        "companyId": COMPANY_ID,
        "companyEntityId": ENTITY_ID,
        "amount": 12_500,
        "customerName": customer["name"],
        "customerId": customer["id"],
        "status": "DRAFT",
        "description": "Credit for returned goods",
        "currency": "DKK",
        "documentDate": "2026-01-15",
        "valuationDate": "2026-01-15",
        "areLinesWithTax": True,
        "lines": [line],
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "updatedBy": None,
        "linkedInvoiceReceivable": None,
    }


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
    """Customers and customer credits by id, under the lock it is given (the mock's one lock:
    its counters and this data change together)."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        first = _customer(SEED_CUSTOMER_ID, "Nordlys ApS", "billing@nordlys.example", "Copenhagen")
        second = _customer(SECOND_CUSTOMER_ID, "Fjord Consulting", "ap@fjord.example", "Aarhus")
        self.resources: dict[str, dict[str, dict[str, Any]]] = {
            "Customer": {first["id"]: first, second["id"]: second},
            "CustomerCredit": {SEED_CREDIT_ID: _credit(SEED_CREDIT_ID, first)},
        }

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
