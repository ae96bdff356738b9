"""``python -m light_client``: the ``light-client`` command (bulk updates from a file)."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
