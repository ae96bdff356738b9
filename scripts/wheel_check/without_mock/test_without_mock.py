"""A user's test suite, in a project that installed light-inc without the [mock] extra."""

from __future__ import annotations

import json

import httpx

from light_client import NotFoundError, SyncLightClient

CUSTOMER_ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


def test_update_over_a_mocked_transport() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.content == b'{"name":"Acme","email":null}'
        return httpx.Response(200, json={"id": CUSTOMER_ID, **json.loads(request.content)})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with SyncLightClient(
        api_key="sk_test", base_url="https://light.test", http_client=http
    ) as light:
        customer = light.customers.update(CUSTOMER_ID, name="Acme", email=None)
    assert (str(customer.id), customer.name, customer.email) == (CUSTOMER_ID, "Acme", None)


def test_errors_are_public_classes() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))
    with SyncLightClient(
        api_key="sk_test", base_url="https://light.test", http_client=http
    ) as light:
        try:
            light.customers.update(CUSTOMER_ID, name="Acme")
        except NotFoundError as error:
            assert (
                f"{type(error).__module__}.{type(error).__name__}" == "light_client.NotFoundError"
            )
        else:
            raise AssertionError("no NotFoundError")


def test_asks_for_the_mock(light_mock_url: str) -> None:
    raise AssertionError("skipped without the [mock] extra, never run")
