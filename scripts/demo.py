"""`make demo`: start the Light mock on a free port, run examples/quickstart.py against it, then
examples/crm_sync.py twice (the second run changes nothing), then a bulk update with the
`light-client` command (a dry run, the run, a resume that skips it all), and stop the mock."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("LIGHT_BASE_URL", "LIGHT_API_KEY", "CUSTOMER_ID", "CUSTOMER_CREDIT_ID")


# Three CRM accounts: one matches a seeded customer by e-mail (another name now), one by
# e-mail with its VAT number emptied in the CRM, and one Light does not have yet.
CRM_ACCOUNTS = (
    "crm_id,name,email,vat_number\n"
    "crm-1,Nordlys A/S,billing@nordlys.example,DK12345678\n"
    "crm-2,Fjord Consulting,ap@fjord.example,\n"
    "crm-3,Acme ApS,ap@acme.example,DK99999999\n"
)


def crm_sync_demo(env: dict[str, str]) -> int:
    accounts = Path(tempfile.mkdtemp(prefix="light-demo-")) / "crm.csv"
    accounts.write_text(CRM_ACCOUNTS, encoding="utf-8")
    for title in ("the sync", "the same sync again: nothing left to change"):
        print(f"\n$ python examples/crm_sync.py crm.csv    # {title}", flush=True)
        command = [sys.executable, str(ROOT / "examples" / "crm_sync.py"), str(accounts)]
        status = subprocess.run(command, env=env).returncode
        if status != 0:
            return status
    return 0


def bulk_demo(env: dict[str, str]) -> int:
    """Five rows for the seeded customer, one of them for a customer that does not exist."""
    work = Path(tempfile.mkdtemp(prefix="light-demo-"))
    rows = work / "customers.csv"
    customer = env["CUSTOMER_ID"]
    rows.write_text(
        "id,name,vatNumber,email\n"
        f"{customer},Nordlys ApS,DK11111111,\n"
        f"{customer},,DK22222222,NULL\n"
        f"{customer},Nordlys A/S,,billing@nordlys.example\n"
        "00000000-0000-4000-8000-000000000000,Nobody,,\n"
        f'{customer},"Nordlys, Copenhagen",,\n',
        encoding="utf-8",
    )
    light_client = [sys.executable, "-m", "light_client", "customers", "update", "--csv", str(rows)]
    options = ["--null-token", "NULL", "--journal", str(work / "job.sqlite3")]
    steps = [
        ("the exact requests, nothing sent", [*light_client, "--null-token", "NULL", "--dry-run"]),
        ("the run", [*light_client, *options, "--failed-out", str(work / "failed.csv")]),
        ("the same job resumed: nothing sent twice", [*light_client, *options, "--resume"]),
    ]
    for title, command in steps:
        shown = " ".join(command[1:]).replace(str(work), "$DEMO")
        print(f"\n$ python {shown}    # {title}", flush=True)
        status = subprocess.run(command, env=env).returncode
        print(f"(exit status {status})", flush=True)
    print(f"\nfailed.csv:\n{(work / 'failed.csv').read_text(encoding='utf-8')}")
    return 0


def main() -> int:
    mock = subprocess.Popen(
        [sys.executable, "-m", "light_client.mock", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert mock.stdout is not None
        settings = dict(mock.stdout.readline().strip().split("=", 1) for _ in SETTINGS)
        print(f"Started the Light mock at {settings['LIGHT_BASE_URL']}")
        env = {**os.environ, **settings}
        run = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")], env=env)
        if run.returncode != 0:
            return run.returncode
        print("\nA CRM-to-Light sync (examples/crm_sync.py):")
        if (status := crm_sync_demo(env)) != 0:
            return status
        print("\nBulk updates from a CSV file with the light-client command:")
        return bulk_demo(env)
    finally:
        mock.terminate()
        mock.wait(timeout=10)
        print("\nStopped the Light mock.")


if __name__ == "__main__":
    raise SystemExit(main())
