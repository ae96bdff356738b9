"""The ``light_client`` logger. ``LIGHT_LOG=debug`` (or ``info``) turns it on without code."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .constants import LOG_ENV

if TYPE_CHECKING:
    import httpx

__all__ = ["logger", "redacted_headers", "redacted_url", "setup_logging"]

logger = logging.getLogger("light_client")
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


def setup_logging() -> None:
    """Apply ``LIGHT_LOG`` (``debug`` or ``info``): set the level and log to stderr."""
    level = os.environ.get(LOG_ENV, "").strip().upper()
    if level not in ("DEBUG", "INFO"):
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
