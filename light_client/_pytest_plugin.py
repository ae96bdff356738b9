"""pytest fixtures for the Light mock, registered as a pytest plugin by ``light-client``.

    def test_my_service(light_mock_url: str) -> None:
        client = SyncLightClient(api_key=DEFAULT_API_KEY, base_url=light_mock_url)
        ...

Each test gets a fresh mock on a free loopback port, stopped after the test (about 10 ms to
start and stop); ``light_mock_session`` is one mock for the whole session, to ``reset()``, and
``light_mock_shared`` that mock reset for each test. The plugin is
registered whether or not the ``[mock]`` extra is installed, so it must import nothing of the
extra: without it, a test that asks for a fixture is skipped with the install command, and
every other test runs as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .mock._extra import MockExtraMissingError, load_server

if TYPE_CHECKING:
    from .mock import LightMock

__all__ = ["light_mock", "light_mock_session", "light_mock_shared", "light_mock_url"]


def _running_mock() -> Iterator[LightMock]:
    """A started mock until the fixture ends; the test skipped, naming the extra, without it."""
    try:
        server = load_server()
    except MockExtraMissingError as error:
        pytest.skip(str(error))
    with server.LightMock() as mock:
        yield mock


@pytest.fixture
def light_mock() -> Iterator[LightMock]:
    """A running ``LightMock`` (``.base_url``, ``.api_key``, ``.store``, ``.stats``)."""
    yield from _running_mock()


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
