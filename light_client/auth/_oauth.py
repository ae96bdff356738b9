"""OAuth 2.0 for integration partners: authorize, exchange, refresh with rotation, many tenants.

    oauth = LightOAuth(client_id="...", client_secret="...", redirect_uri="https://you/callback")
    url = oauth.authorization_url(state=LightOAuth.new_state())    # send the user there
    tokens = oauth.exchange_code(code)                               # on your callback
    store.put("tenant-42", tokens)                                    # persist, then use
    light = base_client.with_options(access_token=oauth.async_provider("tenant-42", store))

Light's refresh tokens rotate: each refresh returns a new one and the old one is dead. So a
refresh happens inside ``TokenStore.update``: the new pair is written before anyone uses it, and
only one refresh runs at a time per tenant -- across tasks and threads, and across processes
when the store is shared (SQLite, Redis). Secrets (client secret, tokens, codes) never appear in
messages, reprs or logs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlencode

import httpx

from .._core.checks import check_credential, shorten
from .._core.constants import BASE_URL_ENV, DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from .._core.errors import InvalidArgumentError, MissingExtraError
from .._core.log import logger
from .._core.sqlite import SQLiteFile
from .._runtime.answers import NEVER_SENT
from .._runtime.errors import LightError
from .._runtime.pools import sync_client

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "InMemoryTokenStore",
    "LightOAuth",
    "OAuthError",
    "RedisTokenStore",
    "SQLiteTokenStore",
    "TokenProvider",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
]

# A token this close to its expiry is refreshed before use.
REFRESH_MARGIN_SECONDS = 60.0
# Tenants connected in one batch hold tokens that expire together. Each refreshes at a point of
# its own within this many seconds before its margin (fixed by its name, so every process
# agrees), so their refreshes spread out instead of all falling due at once.
REFRESH_SPREAD_SECONDS = 60.0
# At most this many refreshes of one LightOAuth in flight at once (the rest wait their turn).
MAX_CONCURRENT_REFRESHES = 10
# The threads a LightOAuth's async providers run in: more than refresh at once, so a tenant
# whose stored token is fresh is not kept waiting behind refreshes, nor behind waits for
# another process's tenant lock.
PROVIDER_THREADS = 32
# How long a SQLite or Redis token store's per-tenant lock lives, and how long a process waits
# for it: longer than a refresh may take (REFRESH_TIMEOUT), so no second refresh starts.
LOCK_TIMEOUT_SECONDS = 180.0
# How often a pair the store did not take is written again (by the next call after this).
STORE_RETRY_SECONDS = 5.0
# A refresh is worth waiting for: an answer given up on may have rotated the refresh token.
REFRESH_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


TokenUpdate = Callable[["TokenSet | None"], "TokenSet | None"]


class OAuthError(LightError):
    """Light's token endpoint refused: ``error`` (``invalid_grant``, ``invalid_client``, ...),
    ``error_description`` and ``status_code`` as it answered (no secret is ever quoted)."""

    def __init__(self, error: str, description: str | None, status_code: int | None) -> None:
        text = f"OAuth: {error}" + (f" ({shorten(description, 200)})" if description else "")
        super().__init__(text)
        self.error, self.error_description, self.status_code = error, description, status_code


class TokenStoreError(LightError):
    """A token store could not do what was asked (its lock could not be had in time)."""


@dataclass(frozen=True)
class TokenSet:
    """An access token, its refresh token and when it expires (Unix time). Never printed."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    token_type: str = "Bearer"

    def __repr__(self) -> str:
        return f"TokenSet(<redacted>, expires_at={self.expires_at:.0f})"

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        return self.expires_at - (time.time() if now is None else now) < seconds

    def to_json(self) -> str:
        return json.dumps([self.access_token, self.refresh_token, self.expires_at, self.token_type])

    @classmethod
    def from_json(cls, text: str | bytes) -> TokenSet:
        access, refresh, expires_at, token_type = json.loads(text)
        return cls(access, refresh, float(expires_at), token_type)


class TokenStore(Protocol):
    """Keeps each tenant's tokens; ``update`` runs one change at a time per tenant."""

    def get(self, tenant: str) -> TokenSet | None: ...

    def put(self, tenant: str, tokens: TokenSet) -> None: ...

    def update(self, tenant: str, change: TokenUpdate) -> TokenSet | None:
        """Read, ``change``, write, with no other ``update`` of that tenant in between."""
        ...


class InMemoryTokenStore:
    """Tokens in this process (a per-tenant lock makes ``update`` single-flight across threads).

    ``on_save`` (optional) is called with ``(tenant, tokens)`` after every write: the place to
    keep them in your own database. Pass ``load`` to read them from there on first use.
    """

    def __init__(
        self,
        *,
        load: Callable[[str], TokenSet | None] | None = None,
        on_save: Callable[[str, TokenSet], None] | None = None,
    ) -> None:
        self._tokens: dict[str, TokenSet] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._load, self._on_save = load, on_save

    def _lock(self, tenant: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant, threading.Lock())

    def get(self, tenant: str) -> TokenSet | None:
        found = self._tokens.get(tenant)
        if found is None and self._load is not None:
            found = self._load(tenant)
        return found

    def put(self, tenant: str, tokens: TokenSet) -> None:
        # Your database first: a pair it did not take is not reported as stored.
        if self._on_save is not None:
            self._on_save(tenant, tokens)
        self._tokens[tenant] = tokens

    def update(self, tenant: str, change: TokenUpdate) -> TokenSet | None:
        with self._lock(tenant):
            return _changed(self, tenant, change)

    def __repr__(self) -> str:
        return f"InMemoryTokenStore({len(self._tokens)} tenants)"


class SQLiteTokenStore:
    """Tokens in a SQLite file, shared by every process that opens it. ``update`` holds a lock
    per tenant (a row of ``light_oauth_leases``), so one process refreshes a tenant and the
    others then read the new pair, while other tenants' refreshes run at the same time. The
    lock lives ``lock_timeout`` seconds (default 180, longer than a refresh may take), and a
    process waits as long for it; a lock whose process has died is free at once. Keep the file
    private (mode 0600 is set when it is created); ``close()`` at shutdown.

    Processes of 0.1.0 held the whole file during a refresh instead: stop them before starting
    ones of a later version on the same file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self._file = SQLiteFile(
            path,
            "CREATE TABLE IF NOT EXISTS light_oauth_tokens (tenant TEXT PRIMARY KEY, tokens TEXT)",
            busy_timeout=busy_timeout,
            private=True,
        )
        self.path = self._file.path
        self.lock_timeout = lock_timeout
        self._leases_ready = False

    def get(self, tenant: str) -> TokenSet | None:
        rows = self._file.query("SELECT tokens FROM light_oauth_tokens WHERE tenant = ?", (tenant,))
        return TokenSet.from_json(rows[0][0]) if rows else None

    def put(self, tenant: str, tokens: TokenSet) -> None:
        self._file.query(
            "INSERT OR REPLACE INTO light_oauth_tokens VALUES (?, ?)", (tenant, tokens.to_json())
        )

    def update(self, tenant: str, change: TokenUpdate) -> TokenSet | None:
        holder = self._lock_tenant(tenant)
        try:
            return _changed(self, tenant, change)
        finally:
            with self._file.transaction() as db:
                released = db.execute(
                    "DELETE FROM light_oauth_leases WHERE tenant = ? AND holder = ?",
                    (tenant, holder),
                ).rowcount
            if not released:  # it expired and another took it: the work is done, and said so
                _lock_overran(tenant, self.lock_timeout)

    def _lock_tenant(self, tenant: str) -> str:
        """Take ``tenant``'s lock (a lease row, on the host's monotonic clock, which every
        process of the host shares), waiting up to ``lock_timeout`` for its holder; the
        holder's name. Each try is a short transaction: the file is never held while a
        refresh goes to Light."""
        holder = f"{os.getpid()}:{threading.get_ident()}:{secrets.token_hex(4)}"
        give_up = time.monotonic() + self.lock_timeout
        pause = 0.002
        while True:
            with self._file.transaction() as db:
                if not self._leases_ready:
                    db.execute(
                        "CREATE TABLE IF NOT EXISTS light_oauth_leases "
                        "(tenant TEXT PRIMARY KEY, holder TEXT, host TEXT, pid INTEGER, until REAL)"
                    )
                    self._leases_ready = True
                now = time.monotonic()
                row = db.execute(
                    "SELECT host, pid, until FROM light_oauth_leases WHERE tenant = ?", (tenant,)
                ).fetchone()
                if row is None or _lease_over(row, now, self.lock_timeout):
                    db.execute(
                        "INSERT OR REPLACE INTO light_oauth_leases VALUES (?, ?, ?, ?, ?)",
                        (tenant, holder, _HOST, os.getpid(), now + self.lock_timeout),
                    )
                    return holder
            if time.monotonic() >= give_up:
                raise TokenStoreError(
                    f"tenant {tenant!r}: another process held the token lock for "
                    f"{self.lock_timeout:g} s (lock_timeout)"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"SQLiteTokenStore({str(self.path)!r})"


def _lock_overran(tenant: str, lock_timeout: float) -> None:
    logger.warning(
        "OAuth: tenant %r's token lock expired before the refresh ended "
        "(lock_timeout=%g s is too short for it)",
        tenant,
        lock_timeout,
    )


def _host_identity() -> str:
    """This host and PID namespace: where a lock's pid means a process we can see."""
    import socket

    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}:{namespace}"


_HOST = _host_identity()


def _lease_over(row: tuple[str, int, float], now: float, lock_timeout: float) -> bool:
    """Whether a tenant lock (``host``, ``pid``, ``until`` on the host's monotonic clock) no
    longer holds: expired; written on another clock (its end further away than any lock
    lasts, ten times over, allowing for another process's longer ``lock_timeout``: the host
    has rebooted since); or left by a process of ours that has died."""
    host, pid, until = row
    if until <= now or until - now > 10 * lock_timeout:
        return True
    return host == _HOST and not _process_alive(pid)


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` (of our host and PID namespace) still runs. A pid taken since by
    another process only delays freeing the lock until it expires."""
    if pid == os.getpid() or os.name != "posix":  # Windows: os.kill(pid, 0) sends CTRL_C_EVENT
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's process
        return True
    return True


def _changed(store: TokenStore, tenant: str, change: TokenUpdate) -> TokenSet | None:
    """Read, change and (if it changed) write one tenant's tokens; the caller holds the lock."""
    before = store.get(tenant)
    after = change(before)
    if after is not None and after != before:
        store.put(tenant, after)
    return after


class RedisTokenStore:
    """Tokens in Redis, for a fleet; ``update`` holds a Redis lock per tenant while it
    refreshes. The lock lives ``lock_timeout`` seconds (default 180: longer than a refresh may
    take, ``REFRESH_TIMEOUT``, so that no second refresh starts while one runs), and a process
    waits as long for it. Needs ``pip install 'light-inc[redis]'``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "light-client:oauth:",
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        try:
            import redis
        except ModuleNotFoundError as exc:
            raise MissingExtraError("RedisTokenStore", extra="redis", module=exc.name) from exc
        self._redis = redis.Redis.from_url(url, socket_timeout=5.0)
        self._prefix = prefix
        self.lock_timeout = lock_timeout

    def get(self, tenant: str) -> TokenSet | None:
        raw = self._redis.get(self._prefix + tenant)
        return TokenSet.from_json(cast(bytes, raw)) if raw else None

    def put(self, tenant: str, tokens: TokenSet) -> None:
        self._redis.set(self._prefix + tenant, tokens.to_json())

    def update(self, tenant: str, change: TokenUpdate) -> TokenSet | None:
        from redis.exceptions import LockError

        lock = self._redis.lock(
            f"{self._prefix}{tenant}:lock",
            timeout=self.lock_timeout,
            blocking_timeout=self.lock_timeout,
        )
        if not lock.acquire():
            raise TokenStoreError(
                f"tenant {tenant!r}: another process held the token lock for "
                f"{self.lock_timeout:g} s (lock_timeout)"
            )
        try:
            return _changed(self, tenant, change)
        finally:
            try:
                lock.release()
            except LockError:  # it expired: the work is done, and said so, not raised
                _lock_overran(tenant, self.lock_timeout)

    def close(self) -> None:
        self._redis.close()

    def __repr__(self) -> str:
        return "RedisTokenStore(<url redacted>)"


class _Unsaved:
    """Pairs Light issued that their store did not take, by (store, tenant), shared by every
    provider of a ``LightOAuth``: until stored, the only live refresh token is here."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[int, str], tuple[TokenStore, TokenSet]] = {}
        self._lock = threading.Lock()

    def get(self, store: TokenStore, tenant: str) -> TokenSet | None:
        with self._lock:
            found = self._pairs.get((id(store), tenant))
            return None if found is None else found[1]

    def keep(self, store: TokenStore, tenant: str, tokens: TokenSet) -> None:
        with self._lock:
            self._pairs[(id(store), tenant)] = (store, tokens)  # the store kept alive with it

    def stored(self, store: TokenStore, tenant: str, tokens: TokenSet) -> None:
        """``tokens`` are in the store: forget the unsaved pair if it is that one (a pair
        issued after the store was read stays until it is stored too)."""
        with self._lock:
            found = self._pairs.get((id(store), tenant))
            if found is not None and found[1] == tokens:
                del self._pairs[(id(store), tenant)]


class TokenProvider:
    """The ``access_token=`` of a client for one tenant: a fresh token on each call.

    It refreshes (once, under the store's lock) when the token is within the margin of its
    expiry, or after the client reported it refused (``invalidate``, on a 401).
    """

    def __init__(
        self, oauth: LightOAuth, tenant: str, store: TokenStore, margin: float, spread: float
    ) -> None:
        for name, value in (("margin", margin), ("spread", spread)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value < math.inf
            ):
                raise InvalidArgumentError(f"{name} must be a number of seconds >= 0")
        self.oauth, self.tenant, self.store, self.margin = oauth, tenant, store, margin
        # When this tenant's token is refreshed: ``margin`` seconds before its expiry, plus a
        # share of ``spread`` fixed by the tenant's name.
        self.refresh_before = margin + spread * _share(tenant)
        self._refused: str | None = None
        self._last: TokenSet | None = None
        self._retry_at = 0.0  # monotonic: when to try writing an unsaved pair again
        # The refresh token a refresh was sent with whose answer never came.
        self._lost_refresh: str | None = None

    def is_fresh(self, access_token: str) -> bool:
        """Whether ``access_token`` is the one last handed out and not near its expiry (asked
        by the client before each call; answered from memory, without the store). A pair
        not yet stored stops being fresh every ``STORE_RETRY_SECONDS``: the next call asks
        again, and so writes it again."""
        last = self._last
        if time.monotonic() >= self._retry_at and self._unsaved() is not None:
            return False
        return (
            last is not None
            and last.access_token == access_token
            and access_token != self._refused
            and not last.expires_within(self.refresh_before)
        )

    def invalidate(self, access_token: str) -> None:
        """The server refused ``access_token`` (401): the next call refreshes it."""
        self._refused = access_token

    def _unsaved(self) -> TokenSet | None:
        """The pair Light issued for this tenant that the store did not take, if any: the only
        live refresh token there is (kept by ``LightOAuth``, for every provider of the tenant
        on this store)."""
        return self.oauth._unsaved.get(self.store, self.tenant)

    def _fresh(self, tokens: TokenSet | None) -> TokenSet | None:
        unsaved = self._unsaved()
        if unsaved is not None:  # newer than the store's: the store's refresh token is used up
            tokens = unsaved
        if tokens is None:
            raise OAuthError("no_tokens", f"no tokens stored for tenant {self.tenant!r}", None)
        if self._due(tokens):
            if tokens.refresh_token is None:
                raise OAuthError(
                    "no_refresh_token", "the token expired and cannot be refreshed", None
                )
            logger.info("OAuth: refreshing the access token of tenant %r", self.tenant)
            try:
                # Light has rotated the pair once this returns: held before the store writes it.
                issued = self.oauth._refresh(tokens.refresh_token)
            except OAuthError as error:
                self._check_lost_refresh(error, tokens.refresh_token)
                raise
            self._lost_refresh = None
            self.oauth._unsaved.keep(self.store, self.tenant, issued)
            return issued
        return tokens

    def _due(self, tokens: TokenSet) -> bool:
        """Whether ``tokens`` must be refreshed before use."""
        return tokens.access_token == self._refused or tokens.expires_within(self.refresh_before)

    def _check_lost_refresh(self, error: OAuthError, refresh_token: str) -> None:
        """After a refresh whose answer was lost, Light refusing the same token means it did
        rotate it: the tenant must connect again (a distinct error, not a bare invalid_grant)."""
        if error.error == "outcome_unknown":
            self._lost_refresh = refresh_token
        elif error.error == "invalid_grant" and self._lost_refresh == refresh_token:
            raise OAuthError(
                "reauthorization_required",
                f"tenant {self.tenant!r}: an earlier refresh reached Light but its answer was "
                "lost, and Light has since refused the refresh token it used up; the tenant "
                "must connect again",
                error.status_code,
            ) from error

    def __call__(self) -> str:
        if self._unsaved() is None:
            # The store's pair, read without its lock, if it needs no refresh: the lock is for
            # changing the pair (a new client of each of a thousand tenants takes none).
            stored = self.store.get(self.tenant)
            if stored is not None and not self._due(stored):
                self._last = stored
                return stored.access_token
        try:
            # A refresh's place first, then the tenant's lock: the lock is held only while the
            # refresh runs, never while it waits its turn (a lock that outlived lock_timeout
            # would let another process refresh with the same refresh token).
            with self.oauth._refreshing:
                tokens = self.store.update(self.tenant, self._fresh)
        except OAuthError:
            raise
        except Exception as error:
            tokens = self._unsaved()
            if tokens is None:
                raise  # the store failed before any rotation: nothing is lost
            self._retry_at = time.monotonic() + STORE_RETRY_SECONDS
            logger.error(
                "OAuth: the new tokens of tenant %r could not be stored (%s); they are kept in "
                "this process, used, and written again by a call after %.0f s. Until they "
                "are stored, another process sharing the store holds a used-up refresh token",
                self.tenant,
                type(error).__name__,
                STORE_RETRY_SECONDS,
            )
        else:
            assert tokens is not None  # _fresh raises rather than answer None
            # Stored: forgotten here, unless another refresh issued a newer one meanwhile.
            self.oauth._unsaved.stored(self.store, self.tenant, tokens)
        self._last = tokens
        return tokens.access_token

    def __repr__(self) -> str:
        return f"TokenProvider(tenant={self.tenant!r})"


class AsyncTokenProvider(TokenProvider):
    """The same for ``LightClient``: the store and the refresh run in a thread of the
    ``LightOAuth``'s own pool (``PROVIDER_THREADS``), never in the event loop's default
    executor, which a thousand tenants' refreshes would fill."""

    async def __call__(self) -> str:  # type: ignore[override]
        import asyncio  # on first use: `import light_client` does not load asyncio
        import contextvars

        call = contextvars.copy_context().run  # as asyncio.to_thread does
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.oauth._threads(), call, TokenProvider.__call__, self)


def _share(tenant: str) -> float:
    """A number in [0, 1) fixed by ``tenant`` (the same in every process), spread evenly."""
    digest = hashlib.blake2b(tenant.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class LightOAuth:
    """Light's OAuth 2.0 authorization-code flow for one registered integration."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        refresh_timeout: float | httpx.Timeout = REFRESH_TIMEOUT,
        max_concurrent_refreshes: int = MAX_CONCURRENT_REFRESHES,
    ) -> None:
        if (
            isinstance(max_concurrent_refreshes, bool)
            or not isinstance(max_concurrent_refreshes, int)
            or max_concurrent_refreshes < 1
        ):  # before anything is opened
            raise InvalidArgumentError("max_concurrent_refreshes must be an int >= 1")
        self.client_id = check_credential(client_id, what="client_id")
        self._client_secret = check_credential(client_secret, what="client_secret")
        self.redirect_uri = redirect_uri
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self._http = sync_client(httpx.Timeout(timeout))  # every tenant's refresh: no cookies
        self._unsaved = _Unsaved()
        self.refresh_timeout = httpx.Timeout(refresh_timeout)
        self.max_concurrent_refreshes = max_concurrent_refreshes
        # Every refresh of this integration, whichever thread asks: Light's token endpoint
        # never sees more than this many at once from this process.
        self._refreshing = threading.BoundedSemaphore(max_concurrent_refreshes)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @staticmethod
    def new_state() -> str:
        """A random ``state`` (256 bits) to tie the callback to the browser that started it."""
        return secrets.token_urlsafe(32)

    def authorization_url(self, *, state: str) -> str:
        """Where to send the user to connect their Light company to your integration."""
        query = {"client_id": self.client_id, "redirect_uri": self.redirect_uri, "state": state}
        return f"{self.base_url}/oauth/authorize?{urlencode(query)}"

    def _token(self, form: dict[str, str], *, timeout: httpx.Timeout | None = None) -> TokenSet:
        form = {"client_id": self.client_id, "client_secret": self._client_secret, **form}
        try:
            answer = self._http.post(
                f"{self.base_url}/oauth/token",
                data=form,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except NEVER_SENT as exc:
            raise OAuthError("connection_failed", type(exc).__name__, None) from None
        except httpx.HTTPError as exc:
            # Sent, but the answer is lost: Light may have used the code or rotated the token.
            what = "refresh token" if form["grant_type"] == "refresh_token" else "code"
            raise OAuthError(
                "outcome_unknown",
                f"{type(exc).__name__}: the request reached Light but its answer did not; the "
                f"{what} may be used up, and if so the tenant must connect again",
                None,
            ) from None
        try:
            body: Any = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise OAuthError(
                str(error or "invalid_response"),
                description if isinstance(description, str) else None,
                answer.status_code,
            )
        # Once Light answers 200 the old refresh token is dead: nothing here may raise and
        # lose the new one (an odd expires_in is taken as Light's usual hour).
        try:
            lifetime = float(body.get("expires_in", 3600.0))
        except (TypeError, ValueError):
            lifetime = 3600.0
        refresh_token = body.get("refresh_token")
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            expires_at=time.time() + lifetime,
            token_type=str(body.get("token_type") or "Bearer"),
        )

    def exchange_code(self, code: str) -> TokenSet:
        """The tokens for the ``code`` your callback received (a code works once)."""
        return self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new pair for ``refresh_token``, which is dead from then on: persist the new one.

        It waits for Light's answer up to ``refresh_timeout`` (default 120 s), longer than other
        calls: a refresh whose answer is given up on may still have rotated the token. If so
        (``OAuthError`` ``outcome_unknown``), the next refresh with the old token is refused,
        and the provider reports that as ``reauthorization_required``."""
        with self._refreshing:
            return self._refresh(refresh_token)

    def _refresh(self, refresh_token: str) -> TokenSet:
        """``refresh``, its caller holding a place in ``_refreshing``."""
        return self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            timeout=self.refresh_timeout,
        )

    def _threads(self) -> ThreadPoolExecutor:
        """The threads the async providers run in (made on first use)."""
        with self._pool_lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(
                    max_workers=max(PROVIDER_THREADS, self.max_concurrent_refreshes),
                    thread_name_prefix="light-oauth",
                )
            return self._pool

    async def aexchange_code(self, code: str) -> TokenSet:
        import asyncio  # on first use: `import light_client` does not load asyncio

        return await asyncio.to_thread(self.exchange_code, code)

    async def arefresh(self, refresh_token: str) -> TokenSet:
        import asyncio  # on first use: `import light_client` does not load asyncio

        return await asyncio.to_thread(self.refresh, refresh_token)

    def provider(
        self,
        tenant: str,
        store: TokenStore,
        *,
        margin: float = REFRESH_MARGIN_SECONDS,
        spread: float = REFRESH_SPREAD_SECONDS,
    ) -> TokenProvider:
        """``SyncLightClient(access_token=...)`` for ``tenant``, its tokens kept in ``store``.

        The token is refreshed before use once it is within ``margin`` seconds of its expiry,
        plus a share of ``spread`` fixed by the tenant's name (``spread=0``: at ``margin``
        exactly): tenants connected together do not all refresh at once."""
        return TokenProvider(self, tenant, store, margin, spread)

    def async_provider(
        self,
        tenant: str,
        store: TokenStore,
        *,
        margin: float = REFRESH_MARGIN_SECONDS,
        spread: float = REFRESH_SPREAD_SECONDS,
    ) -> AsyncTokenProvider:
        """``LightClient(access_token=...)`` for ``tenant``, its tokens kept in ``store``
        (``margin`` and ``spread``: as for ``provider``)."""
        return AsyncTokenProvider(self, tenant, store, margin, spread)

    def close(self) -> None:
        self._http.close()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None

    def __repr__(self) -> str:
        return f"LightOAuth(client_id={self.client_id!r}, base_url={self.base_url!r})"
