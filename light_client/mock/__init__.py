"""A local Light for demos and tests, like Stripe's stripe-mock (``pip install light-client[mock]``).

    python -m light_client.mock --port 0      # prints the base URL, an API key and seeded ids

or in-process::

    from light_client.mock import LightMock

    with LightMock() as light_mock:
        ...  # LightClient(api_key=light_mock.api_key, base_url=light_mock.base_url)

pytest users get two fixtures from the plugin this package registers: ``light_mock`` (the
running ``LightMock``) and ``light_mock_url`` (its base URL).
"""

from ._server import DEFAULT_API_KEY, Faults, LightMock, RateLimit

__all__ = ["DEFAULT_API_KEY", "Faults", "LightMock", "RateLimit"]
