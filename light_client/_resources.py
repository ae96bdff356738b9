"""``light.customers`` and ``light.customer_credits``, async and sync, plain and raw.

Each ``update`` takes the resource id, then one keyword per request-body field -- the generated
model's ``...Fields`` TypedDict, so the signature follows openapi.yaml after ``make generate`` --
plus the per-call options of ``RequestOptions``. Unset fields are not sent; ``None`` is sent as
``null``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Protocol, TypeVar, Unpack
from uuid import UUID

from ._generated.models.update_customer_credit_request import UpdateCustomerCreditRequestFields
from ._generated.models.update_customer_request import UpdateCustomerRequestFields
from ._operations import UPDATE_CUSTOMER, UPDATE_CUSTOMER_CREDIT, Operation
from ._response import RawResponse
from ._types import RequestOptions
from .models import Customer, CustomerCredit

__all__ = [
    "AsyncCustomerCredits",
    "AsyncCustomers",
    "SyncCustomerCredits",
    "SyncCustomers",
    "UpdateCustomerCreditParams",
    "UpdateCustomerParams",
]

ModelT = TypeVar("ModelT")


class UpdateCustomerParams(UpdateCustomerRequestFields, RequestOptions, total=False):
    """Keywords of ``customers.update``: the request fields and the per-call options."""


class UpdateCustomerCreditParams(UpdateCustomerCreditRequestFields, RequestOptions, total=False):
    """Keywords of ``customer_credits.update``: the request fields and the per-call options."""


class AsyncRequester(Protocol):
    def __call__(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any], /
    ) -> Awaitable[RawResponse[ModelT]]: ...


class SyncRequester(Protocol):
    def __call__(
        self, operation: Operation[ModelT], resource_id: UUID | str, params: Mapping[str, Any], /
    ) -> RawResponse[ModelT]: ...


class AsyncCustomersWithRawResponse:
    def __init__(self, request: AsyncRequester) -> None:
        self._request = request

    async def update(
        self, customer_id: UUID | str, /, **params: Unpack[UpdateCustomerParams]
    ) -> RawResponse[Customer]:
        """Like ``customers.update``, returning the HTTP answer with the parsed ``Customer``."""
        return await self._request(UPDATE_CUSTOMER, customer_id, params)


class AsyncCustomers:
    def __init__(self, request: AsyncRequester) -> None:
        self._request = request
        self.with_raw_response = AsyncCustomersWithRawResponse(request)

    async def update(
        self, customer_id: UUID | str, /, **params: Unpack[UpdateCustomerParams]
    ) -> Customer:
        """Update a customer; return it as it is after the update.

        Example: ``await light.customers.update(id, name="Acme ApS", email=None)`` sets the
        name, clears the email and leaves every other field as it is.
        """
        return (await self._request(UPDATE_CUSTOMER, customer_id, params)).parsed


class AsyncCustomerCreditsWithRawResponse:
    def __init__(self, request: AsyncRequester) -> None:
        self._request = request

    async def update(
        self, customer_credit_id: UUID | str, /, **params: Unpack[UpdateCustomerCreditParams]
    ) -> RawResponse[CustomerCredit]:
        """Like ``customer_credits.update``, returning the HTTP answer with the parsed model."""
        return await self._request(UPDATE_CUSTOMER_CREDIT, customer_credit_id, params)


class AsyncCustomerCredits:
    def __init__(self, request: AsyncRequester) -> None:
        self._request = request
        self.with_raw_response = AsyncCustomerCreditsWithRawResponse(request)

    async def update(
        self, customer_credit_id: UUID | str, /, **params: Unpack[UpdateCustomerCreditParams]
    ) -> CustomerCredit:
        """Update a customer credit; return it as it is after the update.

        Example: ``await light.customer_credits.update(id, amount=12_500, description=None)``.
        """
        return (await self._request(UPDATE_CUSTOMER_CREDIT, customer_credit_id, params)).parsed


class SyncCustomersWithRawResponse:
    def __init__(self, request: SyncRequester) -> None:
        self._request = request

    def update(
        self, customer_id: UUID | str, /, **params: Unpack[UpdateCustomerParams]
    ) -> RawResponse[Customer]:
        """Like ``customers.update``, returning the HTTP answer with the parsed ``Customer``."""
        return self._request(UPDATE_CUSTOMER, customer_id, params)


class SyncCustomers:
    def __init__(self, request: SyncRequester) -> None:
        self._request = request
        self.with_raw_response = SyncCustomersWithRawResponse(request)

    def update(
        self, customer_id: UUID | str, /, **params: Unpack[UpdateCustomerParams]
    ) -> Customer:
        """Update a customer; return it as it is after the update (see ``AsyncCustomers``)."""
        return self._request(UPDATE_CUSTOMER, customer_id, params).parsed


class SyncCustomerCreditsWithRawResponse:
    def __init__(self, request: SyncRequester) -> None:
        self._request = request

    def update(
        self, customer_credit_id: UUID | str, /, **params: Unpack[UpdateCustomerCreditParams]
    ) -> RawResponse[CustomerCredit]:
        """Like ``customer_credits.update``, returning the HTTP answer with the parsed model."""
        return self._request(UPDATE_CUSTOMER_CREDIT, customer_credit_id, params)


class SyncCustomerCredits:
    def __init__(self, request: SyncRequester) -> None:
        self._request = request
        self.with_raw_response = SyncCustomerCreditsWithRawResponse(request)

    def update(
        self, customer_credit_id: UUID | str, /, **params: Unpack[UpdateCustomerCreditParams]
    ) -> CustomerCredit:
        """Update a customer credit; return it as it is after the update."""
        return self._request(UPDATE_CUSTOMER_CREDIT, customer_credit_id, params).parsed
