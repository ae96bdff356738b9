"""Every default and tunable of the client in one place."""

from __future__ import annotations

import httpx

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_MAX_QUEUE_WAIT",
    "DEFAULT_MAX_REQUESTS_PER_MINUTE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "LOG_ENV",
    "MAX_RATE_LIMIT_WAITS",
    "MAX_REDIRECTS",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "MIN_SERVER_WAIT",
    "RATE_LIMIT_BURST",
    "RETRY_JITTER",
    "STORE_RETRY_SECONDS",
]

DEFAULT_BASE_URL = "https://api.light.inc"
API_KEY_ENV = "LIGHT_API_KEY"
BASE_URL_ENV = "LIGHT_BASE_URL"
LOG_ENV = "LIGHT_LOG"

# 60 s for the whole request, but give up on an unreachable host after 5 s.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

DEFAULT_MAX_RETRIES = 2
# Backoff without a server hint: 0.5 s, 1 s, 2 s, ... up to 8 s, each shortened by up to 25 %
# at random so that many clients failing together do not retry together.
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_JITTER = 0.25
# A server hint (Retry-After, X-RateLimit-Reset) longer than this is not waited out: the call
# fails with the typed error instead of hanging.
MAX_RETRY_AFTER = 60.0
# A hint shorter than this ("Retry-After: 0", a past date) is no hint: the backoff applies.
MIN_SERVER_WAIT = 0.1

# A 429 that tells when to come back pauses the whole client until then; re-sending after
# that pause does not use up max_retries (it is waiting for a slot), up to this many per call.
MAX_RATE_LIMIT_WAITS = 8

# Light: 300 requests per minute per API key or token. The SDK spaces them evenly (one every
# 0.2 s), allowing at most this many at once after an idle spell: never a minute's quota at once.
DEFAULT_MAX_REQUESTS_PER_MINUTE = 300
RATE_LIMIT_BURST = 3
# The longest a call waits for its rate-limit slot before its first send (seconds): a queue
# longer than this (too many calls at once for the rate, a stuck schedule) fails the call with a
# RateLimitError instead of hanging it. ``timeout`` runs from the first send, so it does not.
DEFAULT_MAX_QUEUE_WAIT = 180.0
# A shared rate-limit store (SQLite, Redis) that fails is left alone this long: the client paces
# in-process meanwhile, then one change tries the store again (the others keep to the fallback,
# so a store that does not answer costs that one change its timeout, not every change). Short:
# processes pacing apart split the budget until they are back on the store.
STORE_RETRY_SECONDS = 5.0

MAX_REDIRECTS = 5

# Light's answers are a few kilobytes: a larger body (decoded) is not read, whatever its status.
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# A document answer (a PDF) is read up to this size, in memory or into a file.
DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
