"""``light.customers``, ``light.customer_credits``, ...: generated from openapi.yaml.

Each tag of openapi.yaml is a resource attribute and each of its operations a method, async and
sync, plain and ``with_raw_response`` (templates/endpoint_init.py.jinja writes them into
``_generated/api/<tag>/__init__.py``; ``_generated/resources.py`` gathers them for the clients).
A method takes the resource id, then one keyword per request-body field -- the generated model's
``...Fields`` TypedDict -- plus the per-call options of ``RequestOptions``. Unset fields are not
sent; ``None`` is sent as ``null``. This module only names the keyword types made public.
"""

from __future__ import annotations

from ._generated.api.customer_credits import UpdateCustomerCreditParams
from ._generated.api.customers import UpdateCustomerParams
from ._generated.resources import AsyncResources, SyncResources

__all__ = [
    "AsyncResources",
    "SyncResources",
    "UpdateCustomerCreditParams",
    "UpdateCustomerParams",
]
