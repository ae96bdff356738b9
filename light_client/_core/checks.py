"""Checks of what the caller hands the SDK, made before anything is sent.

Each raises ``ValueError`` (or ``TypeError`` for a value of the wrong type) with a message that
names the argument and never repeats a secret: a credential with a stray newline must fail
here, not become a "connection error" three attempts later with the key in the traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .errors import InvalidArgumentError

__all__ = [
    "MESSAGE_LIMIT",
    "check_credential",
    "check_header_value",
    "check_headers",
    "check_max_queue_wait",
    "check_max_retries",
    "shorten",
]

# Error messages quote the server or the caller at most this many characters.
MESSAGE_LIMIT = 300


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text``, cut to ``limit`` characters with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _header_problem(value: str) -> str | None:
    if not value.isascii():
        return "has a character that is not ASCII"
    if any((ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F for char in value):
        return "has a control character (a newline?)"
    if value != value.strip():
        return "starts or ends with white space"
    return None


def check_header_value(name: str, value: object, *, what: str) -> None:
    """A header value must be a non-empty printable ASCII string; ``what`` names the argument."""
    if not isinstance(value, str):
        raise TypeError(f"{what}: header {name!r} must be a string, got {type(value).__name__}")
    if not name or _header_problem(name) or any(char in name for char in " :"):
        raise InvalidArgumentError(f"{what}: {name!r} is not a valid header name")
    problem = _header_problem(value)
    if problem is not None:
        raise InvalidArgumentError(f"{what}: the value of header {name!r} {problem}")


def check_headers(headers: Mapping[str, str] | None, *, what: str) -> dict[str, str]:
    """The headers as a dict, each checked (``None`` is no headers)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"{what} must be a mapping of header names to values")
    for name, value in headers.items():
        if not isinstance(name, str):
            raise TypeError(f"{what}: header names must be strings, got {name!r}")
        check_header_value(name, value, what=what)
    return dict(headers)


def check_credential(value: object, *, what: str) -> str:
    """An API key or token: a non-empty printable ASCII string; never quoted in the error."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be a non-empty string")
    problem = _header_problem(value)
    if problem is not None:
        raise InvalidArgumentError(
            f"{what} {problem}: check how it was read (the value is not shown)"
        )
    return value


def check_max_retries(value: Any, *, what: str = "max_retries") -> int:
    """A whole number of retries, ``0`` or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int >= 0, got {value!r}")
    if value < 0:
        raise InvalidArgumentError(f"{what} must be >= 0, got {value}")
    return value


def check_max_queue_wait(value: Any) -> float | None:
    """Seconds (a number >= 0) or ``None`` for no bound."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"max_queue_wait must be seconds >= 0 or None, got {value!r}")
    if not value >= 0:  # NaN too
        raise InvalidArgumentError(f"max_queue_wait must be seconds >= 0 or None, got {value!r}")
    return float(value)


def check_timeout(value: Any, *, what: str = "timeout") -> httpx.Timeout:
    """Seconds (a positive number), an ``httpx.Timeout``, or ``None`` for none."""
    if isinstance(value, httpx.Timeout):
        return value
    if value is None:
        return httpx.Timeout(None)
    message = f"{what} must be seconds > 0, an httpx.Timeout or None, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(message)
    if not value > 0:  # NaN too
        raise InvalidArgumentError(message)
    return httpx.Timeout(value)
