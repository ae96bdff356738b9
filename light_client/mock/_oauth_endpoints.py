"""The mock's OAuth 2.0 endpoints, as Light documents them (outside openapi.yaml: they are not
SDK operations): ``GET /oauth/authorize`` and ``POST /oauth/token`` (form-encoded).

Errors of the token endpoint are worded as RFC 6749 words them (``error``,
``error_description``); ``/oauth/authorize`` refuses in Light's error format.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlencode

from jsonschema import Draft202012Validator

from .._runtime.validation import json_path
from ._http import Answer, Refusal

__all__ = [
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "OAUTH_METHODS",
    "OAuthState",
    "authorize",
    "oauth_answer_problem",
    "token",
]

OAUTH_CLIENT_ID = "mock_client_id"
OAUTH_CLIENT_SECRET = "mock_client_secret"
# The one method each endpoint has (any other: 405 with Allow).
OAUTH_METHODS = {"/oauth/authorize": "GET", "/oauth/token": "POST"}
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
CODE_LIFETIME_SECONDS = 600.0

# ``ExternalOauthToken`` of Light's official document (a test compares them), every field
# required: the mock always sends all four.
TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "expires_in": {"type": "integer", "format": "int64"},
        "token_type": {"type": "string"},
        "refresh_token": {"type": "string"},
    },
    "required": ["access_token", "expires_in", "token_type", "refresh_token"],
}
# RFC 6749 5.2.
TOKEN_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}


@dataclass
class OAuthState:
    """Codes, tokens and refresh tokens the mock has issued (each refresh token works once)."""

    codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code: (redirect, expiry)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token: expiry
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # live refresh token: access
    refreshes: int = 0


def _oauth_error(status: int, error: str, description: str) -> Answer:
    """An error as OAuth 2.0 (RFC 6749) words it: ``error`` and ``error_description``."""
    body = {"error": error, "error_description": description}
    return Answer(status, body, {"Cache-Control": "no-store"})


def authorize(state: OAuthState, client_id: str, query: str) -> Answer:
    """``GET /oauth/authorize``: the user consents at once; 302 to ``redirect_uri?code&state``."""
    fields = parse_qs(query)
    asked_client, redirect_uri, user_state = (
        (fields.get(name) or [""])[0] for name in ("client_id", "redirect_uri", "state")
    )
    if asked_client != client_id:
        raise Refusal.bad_request("unknown client_id", ["client_id"])
    if not redirect_uri.startswith(("http://", "https://")):
        raise Refusal.bad_request("must be a URL", ["redirect_uri"])
    code = secrets.token_urlsafe(24)
    state.codes[code] = (redirect_uri, time.time() + CODE_LIFETIME_SECONDS)
    separator = "&" if "?" in redirect_uri else "?"
    location = redirect_uri + separator + urlencode({"code": code, "state": user_state})
    return Answer(302, b"", {"Location": location})


def _client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
    """The client's id and secret: from HTTP Basic if sent (RFC 6749 2.3.1), else the form."""
    if authorization is None or not authorization.startswith("Basic "):
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        decoded = base64.b64decode(authorization[6:], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def token(
    state: OAuthState,
    client: tuple[str, str],
    expires_in: int,
    headers: Message,
    body: bytes,
) -> Answer:
    """``POST /oauth/token``: the code or the refresh token for a new pair (rotated)."""
    media_type = (headers.get("Content-Type") or "").partition(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        return _oauth_error(400, "invalid_request", f"the body must be {FORM_MEDIA_TYPE}")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return _oauth_error(400, "invalid_request", "the form is not valid UTF-8")
    form = {name: values[0] for name, values in parsed.items()}
    if _client_credentials(form, headers.get("Authorization")) != client:
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        redirect_uri, expires = state.codes.pop(form.get("code", ""), ("", 0.0))
        if expires <= time.time() or redirect_uri != form.get("redirect_uri"):
            return _oauth_error(400, "invalid_grant", "unknown, used or expired code")
    elif grant == "refresh_token":
        if state.refresh_tokens.pop(form.get("refresh_token", ""), None) is None:
            return _oauth_error(400, "invalid_grant", "unknown or used refresh token")
        state.refreshes += 1
    else:
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r}")
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    state.access_tokens[access] = time.time() + expires_in
    state.refresh_tokens[refresh] = access
    pair = {
        "access_token": access,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "refresh_token": refresh,
    }
    return Answer(200, pair, {"Cache-Control": "no-store"})


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(TOKEN_SCHEMA if name == "token" else TOKEN_ERROR_SCHEMA)


def oauth_answer_problem(path: str, answer: Answer) -> str | None:
    """Why an answer of the OAuth endpoints breaks its documented shape, if it does."""
    if path != "/oauth/token" or answer.status is None:
        return None  # /oauth/authorize: a 302, or Light's error format (checked as such)
    validator = _validator("token" if answer.status == 200 else "error")
    for error in validator.iter_errors(answer.body):
        return f"{json_path(error.absolute_path) or 'body'}: {error.message}"
    return None
