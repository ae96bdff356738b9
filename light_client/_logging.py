"""The ``light_client`` logger. ``LIGHT_LOG=debug`` (or ``info``) turns it on without code."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ._constants import LOG_ENV

__all__ = ["logger", "redacted_headers", "setup_logging"]

logger = logging.getLogger("light_client")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every credential replaced by ``<redacted>``, for logs."""
    return {
        name: "<redacted>" if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


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
