"""`make demo`: start the Light mock on a free port, run examples/quickstart.py against it, stop it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("LIGHT_BASE_URL", "LIGHT_API_KEY", "CUSTOMER_ID", "CUSTOMER_CREDIT_ID")


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
        run = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "quickstart.py")],
            env={**os.environ, **settings},
        )
        return run.returncode
    finally:
        mock.terminate()
        mock.wait(timeout=10)
        print("\nStopped the Light mock.")


if __name__ == "__main__":
    raise SystemExit(main())
