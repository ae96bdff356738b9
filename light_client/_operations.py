"""The API operations the clients expose, described by their generated pieces.

Everything about an operation's shape -- method, path, path parameter, body model, headers,
response model -- comes from the generated code; nothing here restates the spec.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._generated.api.customer_credits import update_customer_credit
from ._generated.api.customers import update_customer
from ._validation import response_schema_name
from .models import Customer, CustomerCredit, UpdateCustomerCreditRequest, UpdateCustomerRequest

__all__ = ["UPDATE_CUSTOMER", "UPDATE_CUSTOMER_CREDIT", "Operation"]

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Operation(Generic[ModelT]):
    operation_id: str
    # The generated ``_get_kwargs``: (id, *, body, x_idempotency_key) -> httpx request kwargs.
    build_request: Callable[..., dict[str, Any]]
    body_type: type[Any]
    parse: Callable[[Mapping[str, Any]], ModelT]
    id_name: str = field(init=False)
    schema_name: str = field(init=False)

    def __post_init__(self) -> None:
        # "customer_id": the generated builder's first parameter is the path parameter.
        id_name = next(iter(inspect.signature(self.build_request).parameters))
        object.__setattr__(self, "id_name", id_name)
        object.__setattr__(self, "schema_name", response_schema_name(self.operation_id))


UPDATE_CUSTOMER = Operation(
    "updateCustomer", update_customer._get_kwargs, UpdateCustomerRequest, Customer.from_dict
)
UPDATE_CUSTOMER_CREDIT = Operation(
    "updateCustomerCredit",
    update_customer_credit._get_kwargs,
    UpdateCustomerCreditRequest,
    CustomerCredit.from_dict,
)
