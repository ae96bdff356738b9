"""What a ``LightMock`` holds when it starts, and again after each ``reset()``: a ``Seed``.

    LightMock(seed=Seed(customers=5_000, customer_credits=200, random_seed=1))
    LightMock(seed=Seed(customers=[{"name": "Acme ApS", "email": "ap@acme.example"}]))

Per resource, a number of generated records, or a list of your own: each of yours is a partial
record (Light's JSON names, ``vatNumber``) laid over a generated one, top-level keys replacing
whole values. Generated values are drawn from ``random_seed``: the same seed gives the same
records, ids included. Every record is checked against openapi.yaml's schema for its resource
before the mock starts; one that does not fit is a ``ValueError`` naming the record and field.
Without a seed the mock holds two customers and one customer credit with fixed ids
(``DEFAULT_SEED``, the ids the docs use).

Nothing here needs the ``[mock]`` extra: a pytest fixture can build a ``Seed`` without it.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._runtime import schemas
from .._runtime.validation import schema_problem

__all__ = [
    "DEFAULT_SEED",
    "KINDS",
    "SECOND_CUSTOMER_ID",
    "SEED_CREDIT_ID",
    "SEED_CUSTOMER_ID",
    "Seed",
    "seeded_records",
]

SEED_CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"
SECOND_CUSTOMER_ID = "a3e9b1d2-64c8-4f0a-8e15-2b7c9d4f1e02"
SEED_CREDIT_ID = "c81d4e2f-7a9b-4c3d-8e1f-0a2b3c4d5e03"
SEED_LINE_ID = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c08"
COMPANY_ID = "0e7b5c3a-9d1f-4a2b-8c6e-4f3a2b1c0d04"
ENTITY_ID = "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c05"
PRODUCT_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d06"
LEDGER_ACCOUNT_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b07"
CREATED_AT = "2026-01-15T09:30:00Z"
# The status of a resource just created, by kind (and of most generated ones).
NEW_STATUS = {"Customer": "ACTIVE", "CustomerCredit": "DRAFT"}
# A Seed's fields -> the kind of resource (the schema of its records) in the store, in the
# order they are made: credits name their customers.
KINDS = {"customers": "Customer", "customer_credits": "CustomerCredit"}

# What generated records are made of.
_GENERATED_FROM = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
_NAMES = ("Nordlys", "Fjord", "Birk", "Havn", "Skov", "Lyng", "Bølge", "Sten", "Ask", "Vind")
_TRADES = ("Consulting", "Trading", "Logistics", "Studio", "Foods", "Energy", "Software")
_FORMS = ("ApS", "A/S", "AB", "AS", "GmbH", "Ltd", "BV")
_PLACES = (
    ("DK", "Copenhagen", "2100"),
    ("DK", "Aarhus", "8000"),
    ("SE", "Stockholm", "111 22"),
    ("NO", "Oslo", "0150"),
    ("DE", "Berlin", "10115"),
    ("GB", "London", "EC1A 1BB"),
    ("NL", "Amsterdam", "1011"),
)
_CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "USD", "GBP")


@dataclass(frozen=True)
class Seed:
    """The records a ``LightMock`` starts with: per resource, how many to generate, or your own.

    ``customers``, ``customer_credits``: a number of generated records, or a list of partial
    records (dicts in Light's JSON names) each laid over a generated one; for both, generate
    the rest yourself: ``[{"name": "Acme ApS"}, *[{}] * 4_999]``. ``random_seed``: what the
    generated values are drawn from (the same seed, the same records and ids). A credit's
    customer is one of the seeded customers (its ``customerName`` follows a ``customerId`` you
    give). Example::

        LightMock(seed=Seed(customers=10_000, customer_credits=500, random_seed=7))
    """

    customers: int | Sequence[Mapping[str, Any]] = 0
    customer_credits: int | Sequence[Mapping[str, Any]] = 0
    random_seed: int = 0

    def __post_init__(self) -> None:
        for field in KINDS:
            given = getattr(self, field)
            if (
                isinstance(given, bool)
                or not isinstance(given, int | Sequence)
                or (isinstance(given, str | bytes))
            ):
                raise TypeError(f"Seed {field} must be a number or a list of dicts, got {given!r}")
            if isinstance(given, int) and given < 0:
                raise ValueError(f"Seed {field} must be >= 0, got {given}")
            if not isinstance(given, int):
                for index, record in enumerate(given):
                    if not isinstance(record, Mapping):
                        raise TypeError(f"Seed {field}[{index}] must be a dict, got {record!r}")


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


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


def _credit(
    credit_id: str, line_id: str, customer: Mapping[str, Any] | None, amount: int = 12_500
) -> dict[str, Any]:
    net = round(amount / 1.25)
    line = {
        "id": line_id,
        "companyId": COMPANY_ID,
        "customerCreditId": credit_id,
        "grossTransactionAmount": _amount(amount),
        "netTransactionAmount": _amount(net),
        "description": "Refund for returned goods",
        "ledgerTaxId": None,
        "taxTransactionAmount": _amount(amount - net),
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
        "amount": amount,
        "customerName": customer["name"] if customer else None,
        "customerId": customer["id"] if customer else None,
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


def _nordlys() -> dict[str, Any]:
    return _customer(SEED_CUSTOMER_ID, "Nordlys ApS", "billing@nordlys.example", "Copenhagen")


DEFAULT_SEED = Seed(
    customers=[
        _nordlys(),
        _customer(SECOND_CUSTOMER_ID, "Fjord Consulting", "ap@fjord.example", "Aarhus"),
    ],
    customer_credits=[_credit(SEED_CREDIT_ID, SEED_LINE_ID, _nordlys())],
)


def _status(rng: random.Random, kind: str) -> str:
    """Mostly a new resource's status, else any of the spec's."""
    if rng.random() < 0.8:
        return NEW_STATUS[kind]
    statuses: list[str] = schemas.component(f"{kind}Status")["enum"]
    return rng.choice(statuses)


def _times(rng: random.Random, index: int) -> tuple[str, str]:
    created = _GENERATED_FROM + datetime.timedelta(hours=index, seconds=rng.randrange(3_600))
    updated = created + datetime.timedelta(seconds=rng.randrange(90 * 86_400))
    return _timestamp(created), _timestamp(updated)


def _generated_customer(rng: random.Random, index: int) -> dict[str, Any]:
    name = f"{rng.choice(_NAMES)} {rng.choice(_TRADES)} {rng.choice(_FORMS)}"
    slug = name.split()[0].lower().replace("ø", "o")
    country, city, zipcode = rng.choice(_PLACES)
    customer = _customer(_id(rng), name, f"ap+{index}@{slug}.example", city)
    customer["address"].update(country=country, zipcode=zipcode, street=f"Havnegade {index}")
    types: list[str] = schemas.component("CustomerType")["enum"]
    number = str(rng.randrange(10**7, 10**8))
    customer.update(
        status=_status(rng, "Customer"),
        type=rng.choice(types),
        vatNumber=f"{country}{number}",
        businessRegistrationNumber=number,
        einvoiceAddress=number,
        domain=f"{slug}.example",
        description=None if rng.random() < 0.5 else f"Generated customer {index}",
        einvoiceNetwork="NEMHANDEL" if country == "DK" else None,
    )
    customer["createdAt"], customer["updatedAt"] = _times(rng, index)
    return customer


def _generated_credit(
    rng: random.Random, index: int, customers: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    customer = customers[rng.randrange(len(customers))] if customers else None
    credit = _credit(_id(rng), _id(rng), customer, amount=rng.randrange(100, 1_000_000))
    created, updated = _times(rng, index)
    date = created[:10]
    credit.update(
        status=_status(rng, "CustomerCredit"),
        currency=rng.choice(_CURRENCIES),
        documentDate=date,
        valuationDate=date,
        description=f"Credit {index}",
        createdAt=created,
        updatedAt=updated,
    )
    credit["lines"][0].update(createdAt=created, updatedAt=created)
    return credit


def _laid_over(
    kind: str, where: str, generated: dict[str, Any], given: Mapping[str, Any]
) -> dict[str, Any]:
    """``given`` over ``generated``: an unknown property is a ``ValueError`` naming it."""
    properties: dict[str, Any] = schemas.component(kind)["properties"]
    for name in given:
        if name not in properties:
            close = difflib.get_close_matches(str(name), properties, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"Seed {where}: {kind} has no property {name!r}{hint}")
    return {**generated, **copy.deepcopy(dict(given))}  # the seed's own dicts stay the user's


def _records(
    seed: Seed, field: str, made: Mapping[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """One resource's records, by id, each checked against its schema."""
    kind, given = KINDS[field], getattr(seed, field)
    rng = random.Random(f"light-mock:{kind}:{seed.random_seed}")
    customers = list(made.get("Customer", {}).values())
    partials: Sequence[Mapping[str, Any]] = [{}] * given if isinstance(given, int) else given
    records: dict[str, dict[str, Any]] = {}
    for index, partial in enumerate(partials):
        where = f"{field}[{index}]"
        if kind == "Customer":
            record = _generated_customer(rng, index)
        else:
            record = _generated_credit(rng, index, customers)
        if partial:
            record = _laid_over(kind, where, record, partial)
            if "customerId" in partial and "customerName" not in partial:
                named = made.get("Customer", {}).get(str(partial["customerId"]))
                record["customerName"] = named["name"] if named else None
        problem = schema_problem(kind, record)
        if problem is not None:
            at = problem.where or "the record"
            raise ValueError(f"Seed {where}: {at}: {problem.message}")
        if record["id"] in records:
            raise ValueError(f"Seed {where}: id {record['id']} is seeded twice")
        records[record["id"]] = record
    return records


def seeded_records(seed: Seed) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record ``seed`` makes: kind -> id -> record, each valid for openapi.yaml."""
    made: dict[str, dict[str, dict[str, Any]]] = {}
    for field, kind in KINDS.items():
        made[kind] = _records(seed, field, made)
    return made
