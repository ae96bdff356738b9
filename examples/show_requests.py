"""Build one update per operation with the generated models and print the exact JSON body.

A dry run: no network. Shows the three states of a PATCH field: left out (unchanged), None (sent
as null: cleared) and a value.
"""

from __future__ import annotations

import datetime
import json

from light_client import UNSET
from light_client.models import (
    Address,
    CountryCode,
    UpdateCustomerCreditRequest,
    UpdateCustomerRequest,
)


def main() -> None:
    customer_update = UpdateCustomerRequest(
        name="Acme ApS",  # set
        email=None,  # cleared
        description=UNSET,  # left unchanged (the default for every field)
        address=Address(country=CountryCode.DK, city="Copenhagen"),
    )
    credit_update = UpdateCustomerCreditRequest(
        amount=12_500, document_date=datetime.date(2026, 11, 21), document_number=None
    )
    for label, path, body in [
        ("update customer", "/v1/customers/{customerId}", customer_update.to_dict()),
        (
            "update customer credit",
            "/v1/customer-credits/{customerCreditId}",
            credit_update.to_dict(),
        ),
    ]:
        print(f"{label}: PATCH {path}")
        print("  " + json.dumps(body, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
