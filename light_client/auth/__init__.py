"""OAuth 2.0 for integration partners: ``LightOAuth``, token stores and token providers.

The implementation is in ``_oauth``; ``light_client`` re-exports every name here.
"""

from ._oauth import (
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

__all__ = [
    "InMemoryTokenStore",
    "LightOAuth",
    "OAuthError",
    "RedisTokenStore",
    "SQLiteTokenStore",
    "TokenProvider",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
]
