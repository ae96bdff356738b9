"""pytest fixtures for the Light mock, registered as a pytest plugin by ``light-client[mock]``.

    def test_my_service(light_mock_url: str) -> None:
        client = SyncLightClient(api_key=DEFAULT_API_KEY, base_url=light_mock_url)
        ...

Each test gets a fresh mock on a free loopback port, stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import LightMock

__all__ = ["light_mock", "light_mock_url"]


@pytest.fixture
def light_mock() -> Iterator[LightMock]:
    """A running ``LightMock`` (``.base_url``, ``.api_key``, ``.store``, ``.stats``)."""
    with LightMock() as mock:
        yield mock


@pytest.fixture
def light_mock_url(light_mock: LightMock) -> str:
    """The base URL of a running Light mock; its API key is ``light_client.mock.DEFAULT_API_KEY``."""
    return light_mock.base_url
