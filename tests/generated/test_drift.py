"""scripts/drift.py: openapi.yaml against Light's official document."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from drift import drift, fetch_document, main
from spec_compare import Difference

from tests.conftest import DATA, ROOT

DRIFT = [sys.executable, str(ROOT / "scripts" / "drift.py")]
CUSTOMER_PATH = "/v1/customers/{customerId}"


def _findings(ours: dict[str, Any], official: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (f.difference.operation, f.difference.side, f.difference.kind, f.difference.where)
        for f in drift(ours, official)
        if f.known is None
    ]


CUSTOMER_ANSWER = [
    ("nullable", "address"),
    ("nullable", "billingAddress"),
    ("nullable", "shippingAddress"),
    ("required", "id"),
]


CREDIT_ANSWER = [
    ("nullable", "lines[].grossTransactionAmount"),
    ("nullable", "lines[].netTransactionAmount"),
    ("nullable", "lines[].taxTransactionAmount"),
    ("nullable", "linkedInvoiceReceivable"),
    ("required", "id"),
]


def test_today_no_drift_only_the_known_differences(
    spec: dict[str, Any], official: dict[str, Any]
) -> None:
    findings = drift(spec, official)
    assert [f for f in findings if f.known is None] == []
    known = {(f.difference.operation, f.difference.kind, f.difference.where) for f in findings}
    assert known == {
        ("updateCustomer", "nullable", "address"),
        ("updateCustomer", "nullable", "billingAddress"),
        ("updateCustomer", "nullable", "shippingAddress"),
        ("updateCustomer", "required", "id"),
        ("updateCustomerCredit", "nullable", "customProperties[].inlineValues"),
        ("updateCustomerCredit", "nullable", "customProperties[].inlineValues[]"),
        ("updateCustomerCredit", "required", "id"),
        ("updateCustomerCredit", "nullable", "lines[].grossTransactionAmount"),
        ("updateCustomerCredit", "nullable", "lines[].netTransactionAmount"),
        ("updateCustomerCredit", "nullable", "lines[].taxTransactionAmount"),
        ("updateCustomerCredit", "nullable", "linkedInvoiceReceivable"),
        # Light refuses null there (the resource cannot hold it)
        ("updateCustomerCredit", "nullable", "areLinesWithTax"),
        ("updateCustomerCredit", "nullable", "currency"),
        ("updateCustomer", "nullable", "name"),
        # Every operation answering a Customer: its object-valued properties and its id.
        *(
            (operation, kind, where)
            for operation in ("getCustomerById", "createCustomer", "archiveCustomer")
            for kind, where in CUSTOMER_ANSWER
        ),
        *(("activateCustomer", kind, where) for kind, where in CUSTOMER_ANSWER),
        *(("listCustomers", kind, f"records[].{where}") for kind, where in CUSTOMER_ANSWER),
        ("listCustomers", "required", "records"),
        ("listCustomers", "required", "hasMore"),
        # Every operation answering a CustomerCredit, likewise.
        *(
            (operation, kind, where)
            for operation in (
                "getCustomerCredit",
                "archiveCustomerCredit",
                "unarchiveCustomerCredit",
                "createCustomerCredit",
                "postCustomerCredit",
                "postAndSendCustomerCredit",
            )
            for kind, where in CREDIT_ANSWER
        ),
        # A credit's create and its lines' create and update: the same widenings in what
        # they send (custom property values) and answer (a line's amounts), and a currency.
        ("createCustomerCredit", "nullable", "currency"),
        *(
            ("createCustomerCredit", "nullable", f"{prefix}customProperties[].inlineValues{end}")
            for prefix in ("", "lines[].")
            for end in ("", "[]")
        ),
        *(
            (operation, "nullable", where)
            for operation in ("createCustomerCreditLine", "updateCustomerCreditLine")
            for where in (
                "customProperties[].inlineValues",
                "customProperties[].inlineValues[]",
                "grossTransactionAmount",
                "netTransactionAmount",
                "taxTransactionAmount",
            )
        ),
        *(("listCustomerCredits", kind, f"records[].{where}") for kind, where in CREDIT_ANSWER),
        ("listCustomerCredits", "required", "records"),
        ("listCustomerCredits", "required", "hasMore"),
    }
    # address & co. on both sides of updateCustomer and createCustomer
    assert len(findings) == 94


def test_make_drift_prints_the_report_and_exits_0() -> None:
    run = subprocess.run(DRIFT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "**No drift** on the operations openapi.yaml covers." in run.stdout
    assert "Known differences (94), deliberate" in run.stdout


def test_a_property_removed_from_our_spec_is_named(tmp_path: Path, spec: dict[str, Any]) -> None:
    ours = copy.deepcopy(spec)
    del ours["components"]["schemas"]["UpdateCustomerRequest"]["properties"]["email"]
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(ours, sort_keys=False), encoding="utf-8")
    run = subprocess.run([*DRIFT, "--spec", str(path)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "**Drift: 1 difference(s)**" in run.stdout
    assert (
        "| updateCustomer | request | `email` | Light has a property openapi.yaml lacks |  |  |"
        in run.stdout
    )
    as_json = subprocess.run(
        [*DRIFT, "--spec", str(path), "--json"], capture_output=True, text=True
    )
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["drift"] is True
    assert [f for f in report["findings"] if f["known"] is None] == [
        {
            "operation": "updateCustomer",
            "side": "request",
            "kind": "property-added",
            "where": "email",
            "base": None,
            "head": None,
            "meaning": "Light has a property openapi.yaml lacks",
            "known": None,
        }
    ]


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _schemas(d)["UpdateCustomerRequest"]["properties"].update(
                loyaltyTier={"type": "string"}
            ),
            ("updateCustomer", "request", "property-removed", "loyaltyTier"),
        ),
        (
            lambda d: _schemas(d)["Customer"]["properties"]["name"].update(type="integer"),
            ("updateCustomer", "response", "type", "name"),
        ),
        (
            lambda d: _schemas(d)["CustomerCredit"]["properties"]["createdAt"].update(
                format="date"
            ),
            ("updateCustomerCredit", "response", "format", "createdAt"),
        ),
        (
            lambda d: _schemas(d)["Customer"]["properties"]["email"].update(type="string"),
            ("updateCustomer", "response", "nullable", "email"),
        ),
        (
            lambda d: _schemas(d)["CustomerType"]["enum"].remove("CONSUMER"),
            ("updateCustomer", "request", "enum-added", "type"),
        ),
        (
            lambda d: _schemas(d)["CustomerType"]["enum"].append("PUBLIC_BODY"),
            ("updateCustomer", "request", "enum-removed", "type"),
        ),
        (
            lambda d: d["paths"][CUSTOMER_PATH]["patch"]["parameters"].pop(0),
            ("updateCustomer", "request", "header-added", "x-idempotency-key"),
        ),
        (
            lambda d: d.update(security=[{"apiKeyAuth": []}]),
            ("updateCustomer", "operation", "security", "security"),
        ),
    ],
    ids=["removed", "type", "format", "nullable", "enum-added", "enum-removed", "header", "auth"],
)
def test_each_kind_of_drift_is_found(
    spec: dict[str, Any], official: dict[str, Any], change: Any, expected: tuple[str, ...]
) -> None:
    ours = copy.deepcopy(spec)
    change(ours)
    assert expected in _findings(ours, official)


def test_an_operation_light_no_longer_has_is_drift(
    spec: dict[str, Any], official: dict[str, Any]
) -> None:
    theirs = copy.deepcopy(official)
    del theirs["paths"]["/v1/customer-credits/{customerCreditId}"]["patch"]
    assert _findings(spec, theirs) == [
        (
            "updateCustomerCredit",
            "operation",
            "operation-removed",
            "PATCH /v1/customer-credits/{customerCreditId}",
        )
    ]


def test_known_reasons_are_only_for_widenings() -> None:
    from drift import known_reason

    assert known_reason(Difference("o", "request", "nullable", "a", "nullable", "not nullable"))
    assert not known_reason(Difference("o", "request", "nullable", "a", "not nullable", "nullable"))
    assert not known_reason(Difference("o", "response", "required", "name", "required", "optional"))


def test_fetch_retries_with_the_sdk_policy() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json={"openapi": "3.0.1"})])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    slept: list[float] = []
    document = fetch_document(
        "https://docs.example/openapi.json",
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
    )
    assert document == {"openapi": "3.0.1"}
    assert len(seen) == 2
    assert len(slept) == 1 and 0.375 <= slept[0] <= 0.5  # backoff_delay(0): 0.5 s minus jitter
    assert seen[0].headers["user-agent"].startswith("light-client/")


def test_fetch_gives_up_as_the_sdk_does() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    with pytest.raises(OSError, match=r"HTTP 503 \(no retries left \(max_retries=2\)\)"):
        fetch_document(
            "https://docs.example/openapi.json",
            transport=httpx.MockTransport(handler),
            sleep=lambda _: None,
        )
    assert len(calls) == 3
    calls.clear()

    def not_found(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    transport = httpx.MockTransport(not_found)
    with pytest.raises(OSError, match="HTTP 404"):
        fetch_document("https://docs.example/x.json", transport=transport, sleep=lambda _: None)
    assert len(calls) == 1  # a 404 is not retried


def test_unreadable_official_document_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--official", str(tmp_path / "missing.json")]) == 2
    assert "drift:" in capsys.readouterr().err
    assert main(["--official", str(DATA / "light-openapi-public.json")]) == 0
