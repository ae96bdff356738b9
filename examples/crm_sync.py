"""A CRM-to-Light sync: the job most Light integrations run, end to end.

Reads a CSV export of CRM accounts (columns ``crm_id``, ``name``, ``email``, ``vat_number``),
lists Light's customers once, and for each account:

- finds its customer by e-mail (case-insensitive), else by VAT number;
- creates the customer if there is none, with an idempotency key derived from the CRM id, so a
  run that crashed and is started again does not create it twice;
- otherwise sends the smallest update that brings the customer to the CRM's values
  (``minimal_update``: only what changed; an emptied CRM field clears Light's), or nothing.

Then it prints what it did. Run it twice: the second run changes nothing. For tens of thousands
of accounts, feed the updates to ``light.customers.update_many`` instead (bounded concurrency,
resumable with a journal)::

    python examples/crm_sync.py crm.csv   # LIGHT_API_KEY (and LIGHT_BASE_URL) from the environment
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from light_client import LightClient, fields_from_mapping, minimal_update
from light_client.models import CreateCustomerRequest, Customer, UpdateCustomerRequest


def read_accounts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def wanted(account: dict[str, str]) -> dict[str, Any]:
    """The customer's fields as the CRM has them (Light's JSON names; "" is "clear it")."""
    return {"name": account["name"], "email": account["email"], "vatNumber": account["vat_number"]}


async def sync(light: LightClient, accounts: list[dict[str, str]]) -> Counter[str]:
    by_email: dict[str, Customer] = {}
    by_vat: dict[str, Customer] = {}
    async for customer in light.customers.list(limit=200):  # every page, one at a time
        if isinstance(customer.email, str) and customer.email:
            by_email[customer.email.lower()] = customer
        if isinstance(customer.vat_number, str) and customer.vat_number:
            by_vat.setdefault(customer.vat_number, customer)
    done: Counter[str] = Counter()
    for account in accounts:
        found = by_email.get(account["email"].lower()) or by_vat.get(account["vat_number"])
        if found is None:
            fields = fields_from_mapping(
                CreateCustomerRequest, {k: v for k, v in wanted(account).items() if v}
            )
            created = await light.customers.create(
                **fields, idempotency_key=f"crm-sync-create-{account['crm_id']}"
            )
            print(f"created  {account['crm_id']}: {created.id} {created.name}")
            done["created"] += 1
            continue
        changes = minimal_update(UpdateCustomerRequest, found, wanted(account))
        if not changes:
            done["unchanged"] += 1
            continue
        await light.customers.update(found.id, **changes)
        print(f"updated  {account['crm_id']}: {found.id} {sorted(changes)}")
        done["updated"] += 1
    return done


async def main(path: Path) -> int:
    accounts = read_accounts(path)
    async with LightClient() as light:
        done = await sync(light, accounts)
    summary = ", ".join(f"{done[what]} {what}" for what in ("created", "updated", "unchanged"))
    print(f"{len(accounts)} CRM accounts: {summary}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/crm_sync.py CRM.csv")
    raise SystemExit(asyncio.run(main(Path(sys.argv[1]))))
