"""What ``with_raw_response`` methods return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

__all__ = ["RawResponse"]

T = TypeVar("T")


# A dataclass, not attrs: this module loads with the package, and attrs costs more to import
# than the rest of it (the generated models bring attrs with the first client).
@dataclass(frozen=True, slots=True)
class RawResponse(Generic[T]):
    """The parsed model together with the HTTP answer it came from.

    ``parsed`` is what the plain method returns; ``http_response`` is the ``httpx.Response`` of
    the final attempt, and ``attempts`` how many attempts the call took.
    """

    parsed: T
    http_response: httpx.Response
    attempts: int
    # Where a 2xx answer departed from openapi.yaml (``path: message``), when the client is
    # lenient (``strict_response_validation=False``, the default); empty when it fits.
    problems: tuple[str, ...] = ()

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        """The raw response body."""
        return self.http_response.content

    def json(self) -> Any:
        return self.http_response.json()
