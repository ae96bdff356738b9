"""OAuth 2.0 against the mock: the whole flow, rotation, single-flight refreshes, no secrets."""

from __future__ import annotations

import asyncio
import errno
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pytest_httpx import HTTPXMock

from light_client import (
    InMemoryTokenStore,
    LightClient,
    LightOAuth,
    OAuthError,
    RedisTokenStore,
    SQLiteTokenStore,
    SyncLightClient,
    TokenSet,
    TokenStore,
)
from light_client.mock import LightMock
from tests.conftest import free_port

REDIRECT = "https://partner.example/callback"
TENANT = "acme-aps"


@pytest.fixture
def oauth(light_mock: LightMock) -> Iterator[LightOAuth]:
    client = LightOAuth(
        client_id=light_mock.oauth_client_id,
        client_secret=light_mock.oauth_client_secret,
        redirect_uri=REDIRECT,
        base_url=light_mock.base_url,
    )
    yield client
    client.close()


def connect(oauth: LightOAuth) -> tuple[str, TokenSet]:
    """What a user's browser does: follow the authorization URL; the code of the callback."""
    state = LightOAuth.new_state()
    answer = httpx.get(oauth.authorization_url(state=state))
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [state]
    (code,) = query["code"]
    return code, oauth.exchange_code(code)


def expire(store: InMemoryTokenStore | SQLiteTokenStore) -> TokenSet:
    tokens = store.get(TENANT)
    assert tokens is not None
    expired = replace(tokens, expires_at=time.time() - 1)
    store.put(TENANT, expired)
    return expired


def test_the_authorization_url(oauth: LightOAuth, light_mock: LightMock) -> None:
    url = urlsplit(oauth.authorization_url(state="s-1"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{light_mock.base_url}/oauth/authorize"
    assert parse_qs(url.query) == {
        "client_id": [light_mock.oauth_client_id],
        "redirect_uri": [REDIRECT],
        "state": ["s-1"],
    }
    states = {LightOAuth.new_state() for _ in range(100)}
    assert len(states) == 100 and all(len(state) >= 43 for state in states)


async def test_the_whole_flow(oauth: LightOAuth, light_mock: LightMock) -> None:
    light_mock.oauth_expires_in = 3  # with a 2 s margin: due for a refresh after about 1 s
    code, tokens = connect(oauth)
    store = InMemoryTokenStore()
    store.put(TENANT, tokens)
    async with LightClient(
        api_key=light_mock.api_key, base_url=light_mock.base_url, strict_response_validation=True
    ) as base:
        provider = oauth.async_provider(TENANT, store, margin=2, spread=0)
        tenant = base.with_options(access_token=provider)  # one client per tenant, one pool
        first = await tenant.customers.update(light_mock.customer_id, name="Via OAuth")
        assert first.name == "Via OAuth" and light_mock.oauth.refreshes == 0
        await asyncio.sleep(1.1)  # the token nears its expiry
        await tenant.customers.update(light_mock.customer_id, name="Refreshed")
    expired = tokens
    assert light_mock.oauth.refreshes == 1
    rotated = store.get(TENANT)
    assert rotated is not None and rotated.refresh_token != expired.refresh_token  # persisted
    assert expired.refresh_token is not None
    with pytest.raises(OAuthError) as caught:  # the old refresh token is dead
        oauth.refresh(expired.refresh_token)
    assert (caught.value.error, caught.value.status_code) == ("invalid_grant", 400)
    with pytest.raises(OAuthError, match="invalid_grant"):  # and so is a used code
        oauth.exchange_code(code)


async def test_fifty_concurrent_calls_at_expiry_make_one_refresh(
    oauth: LightOAuth, light_mock: LightMock, tmp_path: Path
) -> None:
    store = SQLiteTokenStore(tmp_path / "tokens.sqlite3")
    store.put(TENANT, connect(oauth)[1])
    expire(store)
    async with LightClient(
        access_token=oauth.async_provider(TENANT, store),
        base_url=light_mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
    ) as light:
        await asyncio.gather(
            *(light.customers.update(light_mock.customer_id, name=f"n{n}") for n in range(50))
        )
    store.close()
    assert light_mock.oauth.refreshes == 1
    assert len(light_mock.stats.applied) == 50


def test_a_revoked_token_is_refreshed_after_one_401(
    oauth: LightOAuth, light_mock: LightMock
) -> None:
    store = InMemoryTokenStore()
    store.put(TENANT, connect(oauth)[1])
    with SyncLightClient(
        access_token=oauth.provider(TENANT, store),
        base_url=light_mock.base_url,
        strict_response_validation=True,
    ) as light:
        light.customers.update(light_mock.customer_id, name="a")
        light_mock.oauth.access_tokens.clear()  # revoked on Light's side
        raw = light.customers.with_raw_response.update(light_mock.customer_id, name="b")
    assert (raw.attempts, light_mock.oauth.refreshes) == (2, 1)
    assert light_mock.stats.statuses[401] == 1


TWO_PROCESSES = """
import sys
from light_client import LightOAuth, SQLiteTokenStore
base_url, client_id, client_secret, path = sys.argv[1:]
oauth = LightOAuth(client_id=client_id, client_secret=client_secret,
                   redirect_uri="https://partner.example/callback", base_url=base_url)
store = SQLiteTokenStore(path)
print(oauth.provider("acme-aps", store)())
store.close()
"""


def test_two_processes_sharing_the_sqlite_store_refresh_once(
    oauth: LightOAuth, light_mock: LightMock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.sqlite3"
    store = SQLiteTokenStore(path)
    store.put(TENANT, connect(oauth)[1])
    expire(store)
    arguments = [light_mock.base_url, light_mock.oauth_client_id, light_mock.oauth_client_secret]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TWO_PROCESSES, *arguments, str(path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    tokens = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert [worker.returncode for worker in workers] == [0, 0]
    assert light_mock.oauth.refreshes == 1
    stored = store.get(TENANT)
    store.close()
    assert stored is not None and tokens == {stored.access_token}  # both use the one new token


def test_oauth_errors_are_typed(light_mock: LightMock) -> None:
    wrong = LightOAuth(
        client_id=light_mock.oauth_client_id,
        client_secret="not-the-secret",
        redirect_uri=REDIRECT,
        base_url=light_mock.base_url,
    )
    with pytest.raises(OAuthError) as caught:
        wrong.exchange_code("any")
    wrong.close()
    assert (caught.value.error, caught.value.status_code) == ("invalid_client", 401)
    assert str(caught.value) == "OAuth: invalid_client (unknown client or wrong secret)"
    with pytest.raises(OAuthError, match="no tokens stored for tenant 'nobody'"):
        LightOAuth(
            client_id="c", client_secret="s", redirect_uri=REDIRECT, base_url=light_mock.base_url
        ).provider("nobody", InMemoryTokenStore())()


def test_no_secret_in_logs_reprs_or_errors(
    oauth: LightOAuth, light_mock: LightMock, caplog: pytest.LogCaptureFixture
) -> None:
    store = InMemoryTokenStore()
    code, tokens = connect(oauth)  # the user's browser: not the SDK's to log
    with caplog.at_level(logging.DEBUG):  # every logger: the SDK's, httpx's, httpcore's
        store.put(TENANT, tokens)
        expire(store)
        provider = oauth.provider(TENANT, store)
        with SyncLightClient(
            access_token=provider, base_url=light_mock.base_url, strict_response_validation=True
        ) as light:
            light.customers.update(light_mock.customer_id, name="a")
        refreshed = store.get(TENANT)
        assert refreshed is not None and refreshed.refresh_token is not None
        errors = []
        with pytest.raises(OAuthError) as used_code:
            oauth.exchange_code(code)
        errors.append(used_code.value)
        with pytest.raises(OAuthError) as unknown_token:
            oauth.refresh("x" * 40)
        errors.append(unknown_token.value)
    secrets_seen = [
        light_mock.oauth_client_secret,
        code,
        tokens.access_token,
        str(tokens.refresh_token),
        refreshed.access_token,
        refreshed.refresh_token,
    ]
    text = caplog.text + "".join(map(str, errors)) + repr(oauth) + repr(tokens) + repr(provider)
    text += "".join(repr(error) for error in errors) + repr(store)
    assert caplog.records  # there was debug logging to scan
    leaked = [secret for secret in secrets_seen if secret in text]
    assert not leaked, [line for line in text.splitlines() if any(x in line for x in leaked)]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def token_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TokenStore]:
    if request.param == "memory":
        yield InMemoryTokenStore()
    elif request.param == "sqlite":
        sqlite = SQLiteTokenStore(tmp_path / "tokens.sqlite3")
        yield sqlite
        sqlite.close()
    else:
        store = RedisTokenStore(request.getfixturevalue("empty_redis"))
        yield store
        store.close()


def test_every_store_refreshes_once_for_twenty_threads(
    oauth: LightOAuth, light_mock: LightMock, token_store: TokenStore
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    token_store.put(TENANT, replace(connect(oauth)[1], expires_at=time.time() - 1))
    provider = oauth.provider(TENANT, token_store)
    with ThreadPoolExecutor(max_workers=20) as pool:
        tokens = set(pool.map(lambda _: provider(), range(20)))
    stored = token_store.get(TENANT)
    assert light_mock.oauth.refreshes == 1
    assert stored is not None and tokens == {stored.access_token}


def test_a_callback_store_keeps_tokens_in_your_database(oauth: LightOAuth) -> None:
    database: dict[str, str] = {}
    store = InMemoryTokenStore(
        load=lambda tenant: TokenSet.from_json(database[tenant]) if tenant in database else None,
        on_save=lambda tenant, tokens: database.__setitem__(tenant, tokens.to_json()),
    )
    tokens = connect(oauth)[1]
    store.put(TENANT, tokens)
    assert TokenSet.from_json(database[TENANT]) == tokens
    assert (
        InMemoryTokenStore(load=lambda tenant: TokenSet.from_json(database[tenant])).get(TENANT)
        == tokens
    )


def test_the_token_client_keeps_no_cookies(httpx_mock: HTTPXMock) -> None:
    # One LightOAuth serves every tenant's code exchange and refresh: no cookie crosses over.
    httpx_mock.add_response(
        json={"access_token": "at", "refresh_token": "rt", "expires_in": 3600},
        headers={"Set-Cookie": "session=tenant-a; Path=/"},
        is_reusable=True,
    )
    oauth = LightOAuth(
        client_id="cid", client_secret="secret", redirect_uri="https://example.com/callback"
    )
    try:
        oauth.exchange_code("code-of-tenant-a")
        oauth.refresh("refresh-of-tenant-b")
    finally:
        oauth.close()
    assert [request.headers.get("cookie") for request in httpx_mock.get_requests()] == [None, None]


def full_database() -> tuple[dict[str, str], list[bool], InMemoryTokenStore]:
    """Your own database behind an ``InMemoryTokenStore``, refusing writes (ENOSPC) while
    ``full[0]`` is true; nothing cached in the store, every read goes to the database."""
    database: dict[str, str] = {}
    full = [True]

    def save(tenant: str, tokens: TokenSet) -> None:
        if full[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        database[tenant] = tokens.to_json()

    store = InMemoryTokenStore(
        load=lambda tenant: TokenSet.from_json(database[tenant]), on_save=save
    )
    return database, full, store


def test_a_rotated_pair_the_store_cannot_take_is_kept_used_and_stored_later(
    oauth: LightOAuth,
    light_mock: LightMock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Your database is full just as Light rotates the refresh token: the new pair is the only
    # live one. It is kept and used, the dead refresh token is never sent again, and it is
    # written as soon as the database takes it.
    monkeypatch.setattr("light_client.auth._oauth.STORE_RETRY_SECONDS", 0.0)
    database, full, store = full_database()
    first = connect(oauth)[1]
    database[TENANT] = replace(first, expires_at=time.time() - 1).to_json()
    provider = oauth.provider(TENANT, store)
    store._tokens.clear()  # nothing cached: every read goes to your database
    with caplog.at_level(logging.ERROR, logger="light_client"):
        token = provider()
    assert light_mock.oauth.refreshes == 1 and token != first.access_token
    assert TokenSet.from_json(database[TENANT]).refresh_token == first.refresh_token
    (record,) = caplog.records
    assert f"the new tokens of tenant {TENANT!r} could not be stored (OSError)" in record.message
    # Still full: the same new token, no second refresh, and no secret in the log.
    assert provider() == token and light_mock.oauth.refreshes == 1
    assert token not in caplog.text
    # The database has room again: the next call stores the pair Light issued.
    full[0] = False
    with SyncLightClient(
        access_token=provider, base_url=light_mock.base_url, strict_response_validation=True
    ) as light:
        light.customers.get(light_mock.customer_id)
    stored = TokenSet.from_json(database[TENANT])
    assert stored.access_token == token and stored.refresh_token != first.refresh_token
    # And the next refresh uses it: Light accepts it (the old one would be invalid_grant).
    database[TENANT] = replace(stored, expires_at=time.time() - 1).to_json()
    store._tokens.clear()
    assert provider() != token and light_mock.oauth.refreshes == 2


def test_the_sqlite_token_file_is_private_from_its_first_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import os
    import stat

    tokens = TokenSet(access_token="at", refresh_token="rt", expires_at=time.time() + 3600)
    new = tmp_path / "new.sqlite3"
    old_umask = os.umask(0)  # the most permissive umask: the file must not depend on it
    try:
        store = SQLiteTokenStore(new)
        store.put(TENANT, tokens)
    finally:
        os.umask(old_umask)
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in tmp_path.iterdir()  # the file and SQLite's -wal and -shm next to it
    }
    store.close()
    assert modes == {"new.sqlite3": 0o600, "new.sqlite3-wal": 0o600, "new.sqlite3-shm": 0o600}
    # A file made by someone else, readable by all: tightened before a secret goes in, loudly.
    loose = tmp_path / "loose.sqlite3"
    loose.touch(mode=0o644)
    os.chmod(loose, 0o644)
    with caplog.at_level(logging.WARNING, logger="light_client"):
        other = SQLiteTokenStore(loose)
        other.put(TENANT, tokens)
    other.close()
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    assert [r.message for r in caplog.records] == [
        f"{loose} held secrets readable by others (mode 644): now 0600"
    ]


def test_a_refresh_whose_answer_is_lost_is_reported_as_what_it_is(
    light_mock: LightMock, caplog: pytest.LogCaptureFixture
) -> None:
    oauth = LightOAuth(
        client_id=light_mock.oauth_client_id,
        client_secret=light_mock.oauth_client_secret,
        redirect_uri=REDIRECT,
        base_url=light_mock.base_url,
        refresh_timeout=0.3,
    )
    store = InMemoryTokenStore()
    store.put(TENANT, replace(connect(oauth)[1], expires_at=time.time() - 1))
    provider = oauth.provider(TENANT, store)
    # Light is slow: the client gives up on the answer, Light rotates the token all the same.
    light_mock.faults.latency = 1.0
    with pytest.raises(OAuthError) as lost:
        provider()
    assert lost.value.error == "outcome_unknown"
    assert str(lost.value) == (
        "OAuth: outcome_unknown (ReadTimeout: the request reached Light but its answer did not; "
        "the refresh token may be used up, and if so the tenant must connect again)"
    )
    time.sleep(1.0)  # the mock finishes the refresh the client gave up on
    light_mock.faults.latency = 0.0
    assert light_mock.oauth.refreshes == 1
    # The stored token is used up: Light refuses it, and the error says what that means.
    with pytest.raises(OAuthError) as refused:
        provider()
    assert refused.value.error == "reauthorization_required"
    assert isinstance(refused.value.__cause__, OAuthError)
    assert refused.value.__cause__.error == "invalid_grant"
    oauth.close()


def test_a_token_endpoint_never_reached_is_a_connection_failure() -> None:
    oauth = LightOAuth(
        client_id="id",
        client_secret="secret",
        redirect_uri=REDIRECT,
        base_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    with pytest.raises(OAuthError) as caught:
        oauth.refresh("rt")
    oauth.close()
    assert (caught.value.error, caught.value.error_description) == (
        "connection_failed",
        "ConnectError",
    )


def test_a_slow_refresh_under_the_redis_lock_runs_once(
    oauth: LightOAuth, light_mock: LightMock, empty_redis: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # Refreshing takes 1.5 s; four workers of two stores (two processes' worth) want a token.
    stores = [RedisTokenStore(empty_redis), RedisTokenStore(empty_redis)]
    stores[0].put(TENANT, replace(connect(oauth)[1], expires_at=time.time() - 1))
    light_mock.faults.latency = 1.5
    providers = [oauth.provider(TENANT, stores[n % 2]) for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = set(pool.map(lambda provider: provider(), providers))
    stored = stores[1].get(TENANT)
    for store in stores:
        store.close()
    assert light_mock.oauth.refreshes == 1
    assert stored is not None and tokens == {stored.access_token}


def test_a_redis_lock_that_expires_mid_refresh_is_said_not_raised(
    oauth: LightOAuth,
    light_mock: LightMock,
    empty_redis: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RedisTokenStore(empty_redis, lock_timeout=0.5)
    store.put(TENANT, replace(connect(oauth)[1], expires_at=time.time() - 1))
    light_mock.faults.latency = 1.0
    with caplog.at_level(logging.WARNING, logger="light_client"):
        token = oauth.provider(TENANT, store)()  # no raw redis LockNotOwnedError
    stored = store.get(TENANT)
    store.close()
    assert stored is not None and stored.access_token == token
    assert [r.getMessage() for r in caplog.records] == [
        f"OAuth: tenant {TENANT!r}'s token lock expired before the refresh ended "
        "(lock_timeout=0.5 s is too short for it)"
    ]


def test_an_unstored_pair_is_the_tenants_not_one_providers(
    oauth: LightOAuth, light_mock: LightMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two providers of one tenant on one store (a sync and an async client, say): the one that
    # refreshed while the store was failing is not the only one that knows the new pair.
    monkeypatch.setattr("light_client.auth._oauth.STORE_RETRY_SECONDS", 0.0)
    database, full, store = full_database()
    database[TENANT] = replace(connect(oauth)[1], expires_at=time.time() - 1).to_json()
    first, second = oauth.provider(TENANT, store), oauth.provider(TENANT, store)
    token = first()
    del first  # the provider that refreshed is gone
    assert second() == token and light_mock.oauth.refreshes == 1  # no dead token sent
    full[0] = False
    assert second() == token and TokenSet.from_json(database[TENANT]).access_token == token


def test_a_token_file_deleted_while_open_is_an_error_once_and_its_pairs_are_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The pairs are the only copy of the tenants' grants: the process keeps the file it has
    # open (a rate schedule's file is opened anew instead), and says so, once.
    path = tmp_path / "tokens.sqlite3"
    store = SQLiteTokenStore(path)
    tokens = TokenSet(access_token="at", refresh_token="rt", expires_at=time.time() + 3600)
    store.put("acme", tokens)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with caplog.at_level(logging.ERROR, logger="light_client"):
        assert store.get("acme") == tokens
        assert store.get("acme") == tokens
    store.close()
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error == (
        f"{path} was replaced or deleted while open: this process keeps the file it opened, "
        "which other processes no longer see; restore it from this process's data"
    )
