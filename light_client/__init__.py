"""light-client: the async-first Python SDK for the Light API.

    from light_client import LightClient, UNSET

    async with LightClient(api_key="...") as light:
        customer = await light.customers.update(customer_id, name="Acme ApS", email=None)

``UNSET`` (the default of every request field) leaves a field unchanged, ``None`` clears it, and
``NOT_GIVEN`` (the default of every per-call option) means "use the client's setting". A field of
an answer is ``None`` when Light left it out or sent null (``customer.fields_present()`` tells them
apart). ``help(light.customers.update)`` lists every keyword with its description.
"""

import importlib
import typing

from ._client import LightClient, SyncLightClient
from ._core.clock import Clock
from ._core.types import NOT_GIVEN, UNSET, NotGiven, RequestOptions, Unset
from ._runtime.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    LightError,
    MissingExtraError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    TokenProviderError,
    UnprocessableEntityError,
)
from ._runtime.hooks import AttemptDetails
from ._runtime.pagination import AsyncPaginator, Page, SyncPaginator
from ._runtime.patch import fields_from_mapping, minimal_update, or_none, request_body
from ._runtime.response import RawResponse
from ._version import __version__
from .auth import (
    InMemoryTokenStore,
    LightOAuth,
    OAuthError,
    RedisTokenStore,
    SQLiteTokenStore,
    TokenProvider,
    TokenSet,
    TokenStore,
    TokenStoreError,
)
from .ratelimit import (
    InMemoryRateLimitStore,
    RateLimitStore,
    RedisRateLimitStore,
    SQLiteRateLimitStore,
)
from .resources import OPERATIONS as _OPERATIONS

if typing.TYPE_CHECKING:
    from .bulk import BulkJournal, BulkResult
    from .resources.customer_credits import UpdateCustomerCreditParams
    from .resources.customers import UpdateCustomerParams


# Public names imported when first asked for (by __getattr__ below), not with the package: the
# update keyword TypedDicts load the generated models (and are mostly for type checkers); the
# bulk names come with update_many, which loads them itself.
def operation_index() -> dict[str, str]:
    """Each operationId of openapi.yaml and the method that calls it, from the client.

    >>> operation_index()["listCustomers"]
    'customers.list'
    """
    return dict(_OPERATIONS)


_LOADED_ON_USE = {
    "BulkJournal": ".bulk",
    "BulkResult": ".bulk",
    "UpdateCustomerCreditParams": ".resources.customer_credits",
    "UpdateCustomerParams": ".resources.customers",
}


def __getattr__(name: str) -> object:
    if name in _LOADED_ON_USE:
        value = getattr(importlib.import_module(_LOADED_ON_USE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NOT_GIVEN",
    "UNSET",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AttemptDetails",
    "AuthenticationError",
    "BadRequestError",
    "BulkJournal",
    "BulkResult",
    "Clock",
    "ConflictError",
    "InMemoryRateLimitStore",
    "InMemoryTokenStore",
    "InternalServerError",
    "InvalidArgumentError",
    "LightClient",
    "LightError",
    "LightOAuth",
    "MissingExtraError",
    "NotFoundError",
    "NotGiven",
    "OAuthError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitStore",
    "RawResponse",
    "RedisRateLimitStore",
    "RedisTokenStore",
    "RequestOptions",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "SQLiteRateLimitStore",
    "SQLiteTokenStore",
    "SyncLightClient",
    "SyncPaginator",
    "TokenProvider",
    "TokenProviderError",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
    "UnprocessableEntityError",
    "Unset",
    "UpdateCustomerCreditParams",
    "UpdateCustomerParams",
    "__version__",
    "fields_from_mapping",
    "minimal_update",
    "operation_index",
    "or_none",
    "request_body",
]

# Tracebacks and reprs show the public name (`light_client.NotFoundError`), not the private module
# a class is defined in, as httpx does. Only the exceptions and the clients: other classes keep
# their module so that typing.get_type_hints() still resolves their string annotations there.
for _name in __all__:
    _public = globals().get(_name)
    if isinstance(_public, type) and issubclass(
        _public, (LightClient, SyncLightClient, LightError)
    ):
        _public.__module__ = __name__
del _name, _public
