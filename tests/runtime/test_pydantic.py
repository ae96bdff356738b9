"""Generated models in pydantic and FastAPI: serialized as to_dict(), validated from Light's JSON."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic
import pytest
from fastapi import FastAPI

from light_client._runtime.fields import json_names
from light_client.models import Customer, CustomerCredit, UpdateCustomerRequest

CUSTOMER = {
    "id": "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01",
    "name": "Acme",
    "email": None,
    "type": "NEW_KIND",
    "address": {"country": "DK", "city": "Aarhus"},
}
CUSTOMER_JSON = (
    b'{"id":"5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01","name":"Acme","email":null,'
    b'"address":{"country":"DK","city":"Aarhus"},"type":"NEW_KIND"}'
)


def test_type_adapter_dumps_to_dict_and_validates_lights_json() -> None:
    adapter = pydantic.TypeAdapter(Customer)
    customer = adapter.validate_python(CUSTOMER)
    assert customer == Customer.from_dict(CUSTOMER)
    assert adapter.validate_python(customer) is customer
    assert adapter.dump_json(customer) == CUSTOMER_JSON
    assert adapter.dump_python(customer) == customer.to_dict()
    request = UpdateCustomerRequest(name="Acme", email=None)
    assert pydantic.TypeAdapter(UpdateCustomerRequest).dump_json(request) == (
        b'{"name":"Acme","email":null}'
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"id": "not-a-uuid"}, "Value error, id: 'not-a-uuid' is not a 'uuid'"),
        ({"name": "Acme"}, "Value error, body: 'id' is a required property"),
        ("Acme", "Value error, expected Customer or a mapping, got 'Acme'"),
    ],
)
def test_type_adapter_rejects_what_breaks_the_schema(value: object, message: str) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        pydantic.TypeAdapter(Customer).validate_python(value)
    assert caught.value.errors()[0]["msg"] == message


async def test_fastapi_endpoints_return_models() -> None:
    app = FastAPI()

    @app.get("/annotated")
    async def annotated() -> Customer:
        return Customer.from_dict(CUSTOMER)

    @app.get("/response-model", response_model=Customer)
    async def response_model() -> Any:
        return CUSTOMER  # validated into a Customer, then serialized as to_dict()

    @app.get("/credits")
    async def credits() -> list[CustomerCredit]:
        return [CustomerCredit.from_dict({"id": CUSTOMER["id"], "amount": 5})]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
        assert (await client.get("/annotated")).content == CUSTOMER_JSON
        assert (await client.get("/response-model")).content == CUSTOMER_JSON
        assert (await client.get("/credits")).json() == [{"id": CUSTOMER["id"], "amount": 5}]
        document = (await client.get("/openapi.json")).json()
    schema = document["paths"]["/annotated"]["get"]["responses"]
    customer_schema = schema["200"]["content"]["application/json"]["schema"]
    assert list(customer_schema["properties"]) == list(json_names(Customer).values())
    assert customer_schema["required"] == ["id"]
    address = customer_schema["properties"]["address"]["oneOf"][0]  # the resolved $ref
    assert address["properties"]["city"] == {"type": "string"}
    assert "$ref" not in json.dumps(customer_schema)
