"""``Credentials``: the ``Authorization`` value of a client, and how a token is refreshed."""

from __future__ import annotations

import os
from typing import Any, Generic, TypeVar

from .._core.checks import check_credential
from .._core.constants import API_KEY_ENV
from .errors import LightError

__all__ = ["Credentials", "resolve_credentials"]

TokenT = TypeVar("TokenT")


class Credentials(Generic[TokenT]):
    """The ``Authorization`` value: ``Basic <api_key>`` or ``Bearer <token>``. Never printed.

    ``token_provider`` (a callable returning a fresh token) is called before the first request
    and once more when a request gets 401.
    """

    def __init__(self, scheme: str, secret: str | None, token_provider: TokenT | None) -> None:
        self.scheme = scheme
        self.token_provider = token_provider
        self.set_token(secret)

    @property
    def can_refresh(self) -> bool:
        return self.token_provider is not None

    def fresh(self) -> bool:
        """Whether the token in hand may still be used: a provider that knows (``is_fresh``,
        e.g. an OAuth ``TokenProvider`` near expiry) is asked; any other token is kept."""
        is_fresh = getattr(self.token_provider, "is_fresh", None)
        secret = self._secret
        return secret is None or not callable(is_fresh) or bool(is_fresh(secret))

    @property
    def _secret(self) -> str | None:
        return self._token[0]

    @property
    def authorization(self) -> str | None:
        return self._token[1]

    def set_token(self, token: str | None) -> None:
        # The token and its header value, built once per token (not on each of the several
        # reads of every call) and set together: a thread never sees one without the other.
        self._token = (token, f"{self.scheme} {token}" if token is not None else None)

    def arguments(self) -> dict[str, Any]:
        """The constructor keyword that gives this credential (for a derived client)."""
        if self.scheme == "Basic":
            return {"api_key": self._secret}
        return {"access_token": self.token_provider or self._secret}

    def __repr__(self) -> str:
        return f"Credentials({self.scheme} <redacted>)"


def resolve_credentials(
    api_key: str | None, access_token: str | TokenT | None
) -> Credentials[TokenT]:
    """Constructor argument first, then ``LIGHT_API_KEY``; an error naming it when none."""
    if api_key is not None and access_token is not None:
        raise LightError("pass either api_key= or access_token=, not both")
    if access_token is not None:
        if isinstance(access_token, str):
            return Credentials("Bearer", check_credential(access_token, what="access_token"), None)
        if not callable(access_token):
            raise TypeError("access_token must be a string or a callable returning one")
        return Credentials("Bearer", None, access_token)
    what = "api_key" if api_key is not None else API_KEY_ENV
    api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not api_key:
        raise LightError(
            f"no credentials: pass api_key=... or access_token=... to the client, "
            f"or set the {API_KEY_ENV} environment variable"
        )
    return Credentials("Basic", check_credential(api_key, what=what), None)
