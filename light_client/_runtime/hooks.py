"""``AttemptDetails``: what a client's ``on_attempt`` hook is told after every attempt.

For metrics and tracing without parsing logs (as stamina's ``RetryDetails`` hooks)::

    def count(details: AttemptDetails) -> None:
        attempts.labels(details.operation_id, details.status_code or details.error).inc()
        if details.action in ("retry", "pause"):
            retries.labels(details.reason).inc()

    light = LightClient(api_key="...", on_attempt=count)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["AttemptAction", "AttemptDetails"]

AttemptAction = Literal["return", "retry", "pause", "raise"]


@dataclass(frozen=True, slots=True)
class AttemptDetails:
    """One attempt of a call, and what the client does next.

    - ``operation_id`` (``"updateCustomer"``), ``method`` and ``path`` (no query, no secret);
    - ``attempt``: 1 for the first send of the call;
    - ``status_code``: the answer's status, or ``None`` when there was none; ``error``: then the
      transport error's class name (``"ConnectTimeout"``);
    - ``elapsed``: seconds from sending to the whole answer or the transport error, on the
      client's clock (``0.0`` when the attempt ended in an exception that carries no time: a
      cancellation, an answer over ``max_response_bytes``);
    - ``action``: ``"return"`` (the call returns this answer), ``"retry"`` (sent again after
      ``wait`` seconds), ``"pause"`` (the whole client waits ``wait`` seconds, then this call
      goes first) or ``"raise"`` (the call raises); ``reason``: why, in words.
    """

    operation_id: str
    method: str
    path: str
    attempt: int
    status_code: int | None
    error: str | None
    elapsed: float
    action: AttemptAction
    wait: float
    reason: str | None
