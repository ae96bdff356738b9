"""``light-client customers list``: a list exported as JSON Lines, as users run the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from light_client.mock import LightMock
from light_client.models import Customer

COMMAND = [sys.executable, "-m", "light_client", "customers", "list"]


def run(mock: LightMock, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIGHT_API_KEY": mock.api_key, "LIGHT_BASE_URL": mock.base_url}
    return subprocess.run([*COMMAND, *arguments], env=env, capture_output=True, text=True)


def test_every_page_one_record_a_line(light_mock: LightMock, tmp_path: Path) -> None:
    out = tmp_path / "customers.jsonl"
    done = run(light_mock, "--jsonl", str(out), "--sort", "name:desc", "--limit", "1")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [record["name"] for record in records] == ["Nordlys ApS", "Fjord Consulting"]
    stored = light_mock.store.get("Customer", light_mock.customer_id)
    assert records[0] == Customer.from_dict(stored or {}).to_dict()  # as the model writes it
    assert done.stderr.splitlines()[-1] == f"light-client: 2 records written to {out}"
    assert light_mock.stats.requests == 2  # one page each: the filter and sort on both


def test_the_query_options_reach_the_server_and_stdout_works(light_mock: LightMock) -> None:
    done = run(light_mock, "--jsonl", "-", "--filter", "name:eq:Fjord Consulting")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    assert json.loads(line)["name"] == "Fjord Consulting"


def test_a_refused_listing_is_exit_1_naming_why(light_mock: LightMock, tmp_path: Path) -> None:
    done = run(light_mock, "--jsonl", str(tmp_path / "x.jsonl"), "--limit", "500")
    assert done.returncode == 1
    assert "400 BAD_REQUEST" in done.stderr and "(0 records written)" in done.stderr


def test_the_options_are_the_operations_query_parameters() -> None:
    shown = subprocess.run([*COMMAND, "--help"], capture_output=True, text=True, check=True)
    for option in ("--jsonl", "--sort", "--filter", "--search-term", "--limit"):
        assert option in shown.stdout
    assert "--cursor" not in shown.stdout and "--offset" not in shown.stdout
