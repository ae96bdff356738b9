"""pytest fixtures for the Light mock, registered as a pytest plugin by ``light-client``.

    def test_rename(light_mock_sync_client: SyncLightClient, light_mock: LightMock) -> None:
        light_mock_sync_client.customers.update(light_mock.customer_id, name="Renamed")
        assert light_mock.store.get("Customer", light_mock.customer_id)["name"] == "Renamed"

    async def test_list(light_mock_client: LightClient) -> None:  # pytest-asyncio, or asyncio.run
        assert [c.name async for c in light_mock_client.customers.list()]

Each test gets a fresh mock on a free loopback port, stopped after the test (about 10 ms to
start and stop); ``light_mock_session`` is one mock for the whole session, to ``reset()``, and
``light_mock_shared`` that mock reset for each test. The fixtures' mocks are not paced: they
allow a million requests a minute (Light allows 300, and a client follows the limit a server
advertises), so that a test of many calls takes milliseconds; set ``light_mock.rate_limit =
RateLimit(...)`` in a test of pacing or 429s.

``light_mock_sync_client`` (a ``SyncLightClient``) and ``light_mock_client`` (a
``LightClient``) talk to ``light_mock`` with strict response validation (an answer off
openapi.yaml raises ``ResponseValidationError``, where a client is lenient by default) and no
pacing of their own; they are closed after the test. The async one keeps no idle connection,
so that it may be used in the test's event loop whatever runs it, one loop per test.

A test that takes either client runs with instant waits (``light_client.testing.
instant_waits()``): a retry's backoff or a ``Retry-After`` the client obeys returns at once,
so a test of a 503 (``light_mock.faults = Faults(server_errors=1.0)``) takes milliseconds, not
seconds. The waits the SDK asked for are in the ``light_mock_waits`` fixture (a list of
seconds) for a test to assert. A test of real waiting uses a client of its own (with
``light_client.testing.FakeClock`` to keep it fast and exact).

What ``light_mock`` (and so ``light_mock_url``) holds is the ``light_mock_seed`` fixture's
``Seed``: ``None`` (two customers and a credit with fixed ids) unless you override it, as
pytest overrides any fixture -- in a ``conftest.py`` or a test module for all of its tests, or
for one test by parametrizing it::

    from light_client.mock import Seed

    @pytest.fixture
    def light_mock_seed() -> Seed:
        return Seed(customers=5_000, customer_credits=200, random_seed=1)

    @pytest.mark.parametrize("light_mock_seed", [Seed(customers=[{"name": "Acme ApS"}])])
    def test_acme(light_mock: LightMock) -> None: ...

The session's mock holds the default records (``reset()`` restores them); seed your own
session-wide mock with ``LightMock(seed=...)`` in a session fixture of yours.

The plugin is registered whether or not the ``[mock]`` extra is installed, so it must import
nothing of the extra: without it, a test that asks for a fixture is skipped with the install
command, and every other test runs as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .mock._extra import MockExtraMissingError, load_server

if TYPE_CHECKING:
    from ._client import LightClient, SyncLightClient
    from .mock import LightMock, Seed

__all__ = [
    "light_mock",
    "light_mock_client",
    "light_mock_seed",
    "light_mock_session",
    "light_mock_shared",
    "light_mock_sync_client",
    "light_mock_url",
    "light_mock_waits",
]

# The fixtures' mocks: requests a minute, and the window (Light's own limit is 300 a minute).
UNPACED_LIMIT, UNPACED_WINDOW = 1_000_000, 60.0


def _running_mock(seed: Seed | None = None) -> Iterator[LightMock]:
    """A started mock until the fixture ends; the test skipped, naming the extra, without it."""
    try:
        server = load_server()
    except MockExtraMissingError as error:
        pytest.skip(str(error))
    unpaced = server.RateLimit(UNPACED_LIMIT, UNPACED_WINDOW)
    with server.LightMock(seed=seed, rate_limit=unpaced) as mock:
        yield mock


@pytest.fixture
def light_mock_seed() -> Seed | None:
    """The records ``light_mock`` starts with: override it to return a ``Seed`` (``None``:
    two customers and a customer credit with fixed ids)."""
    return None


@pytest.fixture
def light_mock(light_mock_seed: Seed | None) -> Iterator[LightMock]:
    """A running ``LightMock`` (``.base_url``, ``.api_key``, ``.store``, ``.stats``), seeded
    with ``light_mock_seed``."""
    yield from _running_mock(light_mock_seed)


@pytest.fixture(scope="session")
def light_mock_session() -> Iterator[LightMock]:
    """One ``LightMock`` for the whole session, for suites that want speed: call its
    ``reset()`` where a test needs the seeded data back (``light_mock`` is a fresh one each)."""
    yield from _running_mock()


@pytest.fixture
def light_mock_shared(light_mock_session: LightMock) -> LightMock:
    """The session's ``LightMock``, ``reset()`` for this test: a fresh mock's behaviour
    without starting one per test."""
    light_mock_session.reset()
    return light_mock_session


@pytest.fixture
def light_mock_url(light_mock: LightMock) -> str:
    """The base URL of a running Light mock; its API key is ``light_client.mock.DEFAULT_API_KEY``."""
    return light_mock.base_url


@pytest.fixture
def light_mock_waits() -> Iterator[list[float]]:
    """The test runs with instant SDK waits (``instant_waits()``); the waits asked for, in
    seconds. The ready clients take it, so their tests never sleep."""
    from .testing import instant_waits

    with instant_waits() as waits:
        yield waits


@pytest.fixture
def light_mock_sync_client(
    light_mock: LightMock, light_mock_waits: list[float]
) -> Iterator[SyncLightClient]:
    """A ``SyncLightClient`` on ``light_mock``: strict about answers, not paced, its waits
    instant (``light_mock_waits``); closed after."""
    from ._client import SyncLightClient

    with SyncLightClient(
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
    ) as client:
        yield client


@pytest.fixture
def light_mock_client(
    light_mock: LightMock, light_mock_waits: list[float]
) -> Iterator[LightClient]:
    """A ``LightClient`` on ``light_mock``: strict about answers, not paced, its waits instant
    (``light_mock_waits``); closed after.

    A plain fixture, so that no async plugin is needed: its connection pool keeps no idle
    connection, which would outlive the test's event loop unclosed, and is closed after the
    test in a loop of its own. Use it in one event loop per test.
    """
    import asyncio

    import httpx

    from ._client import LightClient

    http = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0))
    yield LightClient(
        api_key=light_mock.api_key,
        base_url=light_mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
        http_client=http,
    )
    asyncio.run(http.aclose())
