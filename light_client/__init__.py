"""light-client: the async-first Python SDK for the Light API."""

from ._generated.types import UNSET, Unset

__all__ = ["UNSET", "Unset"]
