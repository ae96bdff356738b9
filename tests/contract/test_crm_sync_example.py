"""examples/crm_sync.py, as a user copies it: against the mock over real sockets, twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from light_client.mock import LightMock
from tests.conftest import ROOT

ACCOUNTS = (
    "crm_id,name,email,vat_number\n"
    "crm-1,Nordlys A/S,billing@nordlys.example,DK12345678\n"
    "crm-2,Fjord Consulting,AP@fjord.example,\n"
    "crm-3,Acme ApS,ap@acme.example,DK99999999\n"
)


def test_the_sync_creates_the_missing_updates_the_changed_and_then_rests(
    light_mock: LightMock, tmp_path: Path
) -> None:
    accounts = tmp_path / "crm.csv"
    accounts.write_text(ACCOUNTS, encoding="utf-8")
    env = {**os.environ, "LIGHT_API_KEY": light_mock.api_key, "LIGHT_BASE_URL": light_mock.base_url}
    command = [sys.executable, str(ROOT / "examples" / "crm_sync.py"), str(accounts)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    lines = first.stdout.splitlines()
    assert lines[0] == f"updated  crm-1: {light_mock.customer_id} ['name']"
    assert lines[1].startswith("updated  crm-2: ") and lines[1].endswith("['email', 'vat_number']")
    assert lines[2].startswith("created  crm-3: ") and lines[2].endswith(" Acme ApS")
    assert lines[3] == "3 CRM accounts: 1 created, 2 updated, 0 unchanged"
    customers = light_mock.store.resources["Customer"]
    assert sorted(c["name"] for c in customers.values()) == [
        "Acme ApS",
        "Fjord Consulting",
        "Nordlys A/S",
    ]
    fjord = next(c for c in customers.values() if c["name"] == "Fjord Consulting")
    assert (fjord["email"], fjord["vatNumber"]) == ("AP@fjord.example", None)
    second = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert second.stdout.splitlines() == ["3 CRM accounts: 0 created, 0 updated, 3 unchanged"]
