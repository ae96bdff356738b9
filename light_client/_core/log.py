"""The ``light_client`` logger. ``LIGHT_LOG=debug`` (or ``info``) turns it on without code.

Each attempt's line (``PATCH /v1/customers/... -> 200 (41 ms, attempt 1)``) is logged at DEBUG:
httpx already logs one INFO line per request, so under ``logging.basicConfig(level=INFO)`` a
request is logged once. ``LIGHT_LOG=info`` asks for the SDK's line at INFO (and a handler).
Retries, waits on the server and everything that needs attention stay at INFO and above.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .constants import LOG_ENV

if TYPE_CHECKING:
    import httpx

__all__ = ["attempt_level", "logger", "redacted_headers", "redacted_url", "setup_logging"]

logger = logging.getLogger("light_client")
# The level of each attempt's line: DEBUG unless LIGHT_LOG=info asks for INFO (setup_logging).
_attempt_level = logging.DEBUG
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every credential replaced by ``<redacted>``, for logs."""
    return {
        name: "<redacted>" if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def redacted_url(url: httpx.URL) -> str:
    """The URL without a password (``https://user:<redacted>@host``), for reprs and messages."""
    if not url.password:
        return str(url)
    userinfo = url.userinfo.decode("ascii")
    return str(url).replace(f"{userinfo}@", f"{url.username}:<redacted>@", 1)


def attempt_level() -> int:
    """The level each attempt is logged at: ``logging.DEBUG``, or ``INFO`` with ``LIGHT_LOG=info``."""
    return _attempt_level


def setup_logging() -> None:
    """Apply ``LIGHT_LOG`` (``debug`` or ``info``): set the level and log to stderr."""
    global _attempt_level
    level = os.environ.get(LOG_ENV, "").strip().upper()
    _attempt_level = logging.INFO if level == "INFO" else logging.DEBUG
    if level not in ("DEBUG", "INFO"):
        return
    logger.setLevel(level)
    if not logger.hasHandlers():  # one of its own, unless the app logs already (basicConfig)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
