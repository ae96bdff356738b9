"""pytest fixtures for the Light mock, registered as a pytest plugin by ``light-client``.

    def test_my_service(light_mock_url: str) -> None:
        client = SyncLightClient(api_key=DEFAULT_API_KEY, base_url=light_mock_url)
        ...

Each test gets a fresh mock on a free loopback port, stopped after the test (about 10 ms to
start and stop); ``light_mock_session`` is one mock for the whole session, to ``reset()``, and
``light_mock_shared`` that mock reset for each test.

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
    from .mock import LightMock, Seed

__all__ = [
    "light_mock",
    "light_mock_seed",
    "light_mock_session",
    "light_mock_shared",
    "light_mock_url",
]


def _running_mock(seed: Seed | None = None) -> Iterator[LightMock]:
    """A started mock until the fixture ends; the test skipped, naming the extra, without it."""
    try:
        server = load_server()
    except MockExtraMissingError as error:
        pytest.skip(str(error))
    with server.LightMock(seed=seed) as mock:
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
