"""A local Light for demos and tests, like Stripe's stripe-mock (``pip install light-inc[mock]``).

    python -m light_client.mock --port 0      # prints the base URL, an API key and seeded ids

or in-process::

    from light_client.mock import LightMock

    with LightMock() as light_mock:
        ...  # LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url)

seeded with many records, or your own::

    LightMock(seed=Seed(customers=10_000, customer_credits=500, random_seed=1))
    LightMock(seed=Seed(customers=[{"name": "Acme ApS", "email": "ap@acme.example"}]))

pytest users get fixtures from the plugin this package registers: ``light_mock`` (the running
``LightMock``, seeded by the ``light_mock_seed`` fixture), ``light_mock_url`` (its base URL), and
strict clients on it (``light_mock_sync_client``, ``light_mock_client``).

The server's names below are loaded on first use, so that importing this package (as the
pytest plugin and ``python -m light_client.mock`` do) works without the extra; using one
without it raises ``MockExtraMissingError`` (a ``light_client.MissingExtraError``, as every
missing extra raises) naming the install command. ``Seed`` needs no extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._extra import MockExtraMissingError, load_server
from ._seed import Seed

if TYPE_CHECKING:
    from ._server import DEFAULT_API_KEY, Faults, LightMock, RateLimit

__all__ = ["DEFAULT_API_KEY", "Faults", "LightMock", "MockExtraMissingError", "RateLimit", "Seed"]


def __getattr__(name: str) -> Any:
    if name in {"DEFAULT_API_KEY", "Faults", "LightMock", "RateLimit"}:
        return getattr(load_server(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
