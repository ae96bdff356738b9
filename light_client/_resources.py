"""``light.customers``, ``light.customer_credits``, ...: generated from openapi.yaml.

Each tag of openapi.yaml is a resource attribute and each of its operations a method, async and
sync, plain and ``with_raw_response`` (templates/endpoint_init.py.jinja writes them into
``_generated/api/<tag>/__init__.py``; ``_generated/resources.py`` gathers them for the clients).
A method takes the resource id, then one keyword per request-body field -- the generated model's
``...Fields`` TypedDict -- plus the per-call options of ``RequestOptions``. Unset fields are not
sent; ``None`` is sent as ``null``.

Handwritten here: ``update_many`` on the resources with an update operation, each a one-line
subclass naming that operation; the work is ``_bulk``'s, the same for every resource.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any, Generic, TypeVar

from . import _bulk
from ._generated import resources as _generated
from ._generated.api import customer_credits as _customer_credits
from ._generated.api import customers as _customers
from ._generated.api.customer_credits import UpdateCustomerCreditParams
from ._generated.api.customers import UpdateCustomerParams
from ._generated.models import Customer, CustomerCredit
from ._operations import AsyncRequester, Operation, SyncRequester

__all__ = [
    "BULK_RESOURCES",
    "AsyncResources",
    "SyncResources",
    "UpdateCustomerCreditParams",
    "UpdateCustomerParams",
]

ModelT = TypeVar("ModelT")


class _AsyncUpdateMany(Generic[ModelT]):
    _request: AsyncRequester
    update_operation: Operation[ModelT]

    def update_many(
        self,
        items: _bulk.BulkItems,
        /,
        *,
        concurrency: int = _bulk.DEFAULT_BULK_CONCURRENCY,
        journal: _bulk.JournalArgument = None,
    ) -> AsyncGenerator[_bulk.BulkResult[ModelT], None]:
        """Update many resources at the client's pace: one ``BulkResult`` per item, as each
        completes (not in input order).

        ``items``: ``(id, fields)`` pairs from any iterable or async iterable, read only as
        slots free up; ``fields`` as ``update`` takes them, or with JSON names
        (``fields_from_mapping``). A bad item or a failed update is a ``"failed"`` result, and
        the batch goes on. ``concurrency``: items in flight at most. ``journal``: a
        ``BulkJournal`` or its path, to resume the job after a crash without applying an item
        twice. Example::

            async with contextlib.aclosing(light.customers.update_many(rows)) as results:
                async for result in results:
                    print(result.index, result.status, result.error or "")
        """
        return _bulk.aupdate_many(
            self._request, self.update_operation, items, concurrency=concurrency, journal=journal
        )


class _SyncUpdateMany(Generic[ModelT]):
    _request: SyncRequester
    update_operation: Operation[ModelT]

    def update_many(
        self,
        items: _bulk.SyncBulkItems,
        /,
        *,
        concurrency: int = _bulk.DEFAULT_BULK_CONCURRENCY,
        journal: _bulk.JournalArgument = None,
    ) -> Generator[_bulk.BulkResult[ModelT], None, None]:
        """Like ``LightClient``'s ``update_many``, with ``concurrency`` threads. Example::

        for result in light.customers.update_many([(customer_id, {"name": "Acme"})]):
            print(result.status, result.model or result.error)
        """
        return _bulk.update_many(
            self._request, self.update_operation, items, concurrency=concurrency, journal=journal
        )


class AsyncCustomers(_AsyncUpdateMany[Customer], _customers.AsyncCustomers):
    update_operation = _customers.UPDATE_CUSTOMER


class SyncCustomers(_SyncUpdateMany[Customer], _customers.SyncCustomers):
    update_operation = _customers.UPDATE_CUSTOMER


class AsyncCustomerCredits(
    _AsyncUpdateMany[CustomerCredit], _customer_credits.AsyncCustomerCredits
):
    update_operation = _customer_credits.UPDATE_CUSTOMER_CREDIT


class SyncCustomerCredits(_SyncUpdateMany[CustomerCredit], _customer_credits.SyncCustomerCredits):
    update_operation = _customer_credits.UPDATE_CUSTOMER_CREDIT


class AsyncResources(_generated.AsyncResources):
    """The generated resources of ``LightClient``, with ``update_many`` where there is an update."""

    customers: AsyncCustomers
    customer_credits: AsyncCustomerCredits

    def _init_resources(self, request: AsyncRequester) -> None:
        super()._init_resources(request)
        self.customers = AsyncCustomers(request)
        self.customer_credits = AsyncCustomerCredits(request)


class SyncResources(_generated.SyncResources):
    """The generated resources of ``SyncLightClient``, with ``update_many``."""

    customers: SyncCustomers
    customer_credits: SyncCustomerCredits

    def _init_resources(self, request: SyncRequester) -> None:
        super()._init_resources(request)
        self.customers = SyncCustomers(request)
        self.customer_credits = SyncCustomerCredits(request)


# What the command line (``light-client <resource> update``) can bulk-update, by attribute.
BULK_RESOURCES: dict[str, Operation[Any]] = {
    "customers": AsyncCustomers.update_operation,
    "customer_credits": AsyncCustomerCredits.update_operation,
}
