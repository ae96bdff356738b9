"""``Settings``: a client's configuration, checked once, in one object.

Both clients build it from their keyword arguments (``BaseClient.__init__``), and
``with_options`` makes a new one from it with some fields changed (``Settings.changed``): the list
of settings lives here only. Credentials, the connection pool and the transport are not settings:
they are what a client holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._core.checks import check_headers, check_max_queue_wait, check_max_retries, check_timeout
from .._core.clock import SYSTEM_CLOCK, Clock
from .._core.constants import BASE_URL_ENV, DEFAULT_BASE_URL
from .._core.errors import InvalidArgumentError
from .._core.log import redacted_url
from ..ratelimit import RateLimitStore
from .hooks import AttemptDetails

__all__ = ["SETTING_NAMES", "AttemptHook", "Settings"]

AttemptHook = Callable[[AttemptDetails], None]


def _base_url(given: str | httpx.URL | None) -> httpx.URL:
    """Argument first, then ``LIGHT_BASE_URL``, then Light's; an http(s) URL with a host."""
    url = httpx.URL(given or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError(f"base_url must be an http(s) URL, got {redacted_url(url)}")
    return url


def _byte_limit(name: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int")
        if value < 1:
            raise InvalidArgumentError(f"{name} must be >= 1")
        return value

    return check


def _max_requests_per_minute(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidArgumentError("max_requests_per_minute must be None or an int >= 1")
    return value


def _on_attempt(value: AttemptHook | None) -> AttemptHook | None:
    if value is not None and not callable(value):
        raise TypeError("on_attempt must be a callable taking an AttemptDetails, or None")
    return value


def _clock(value: Any) -> Clock:
    if value is None:
        return SYSTEM_CLOCK
    if not isinstance(value, Clock):
        raise TypeError("clock must be a light_client Clock (e.g. testing.FakeClock())")
    return value


def _bool(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return value

    return check


def _rate_limit_store(value: RateLimitStore | None) -> RateLimitStore | None:
    return value  # any object with apply/aapply: a store of the user's own is welcome


# How each setting is checked (and normalised) from what a client was given.
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "base_url": _base_url,
    "timeout": check_timeout,
    "max_retries": check_max_retries,
    "max_requests_per_minute": _max_requests_per_minute,
    "max_queue_wait": check_max_queue_wait,
    "rate_limit_store": _rate_limit_store,
    "default_headers": lambda headers: check_headers(headers, what="default_headers"),
    "max_response_bytes": _byte_limit("max_response_bytes"),
    "max_download_bytes": _byte_limit("max_download_bytes"),
    "on_attempt": _on_attempt,
    "clock": _clock,
    "strict_response_validation": _bool("strict_response_validation"),
}


@dataclass(frozen=True, slots=True)
class Settings:
    """What a client was configured with, each value checked (see ``LightClient`` for each)."""

    base_url: httpx.URL
    timeout: httpx.Timeout
    max_retries: int
    max_requests_per_minute: int | None
    max_queue_wait: float | None
    rate_limit_store: RateLimitStore | None
    default_headers: Mapping[str, str]
    max_response_bytes: int
    max_download_bytes: int
    on_attempt: AttemptHook | None
    clock: Clock
    strict_response_validation: bool
    # Each call's URL starts with it: the base URL without its trailing slash.
    url_prefix: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "url_prefix", str(self.base_url).rstrip("/"))

    @classmethod
    def build(cls, arguments: Mapping[str, Any]) -> Settings:
        """The settings from a client's arguments (by keyword; every setting, and nothing
        else); ``ValueError``/``TypeError`` naming a bad one."""
        missing = _CHECKS.keys() - arguments.keys()
        if missing:
            raise TypeError(f"Settings.build needs every setting: missing {sorted(missing)}")
        return cls(**{name: check(arguments[name]) for name, check in _CHECKS.items()})

    def changed(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with ``changes`` (keyword: value) made, each checked as in ``build``.

        ``default_headers`` are added to these, not put in their place.
        """
        arguments = {name: getattr(self, name) for name in _CHECKS}
        arguments.update(changes)
        if "default_headers" in changes:
            given = check_headers(changes["default_headers"], what="default_headers")
            arguments["default_headers"] = {**self.default_headers, **given}
        return Settings.build(arguments)


SETTING_NAMES = frozenset(_CHECKS)
