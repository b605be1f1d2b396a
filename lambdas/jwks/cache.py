"""Keys kept per container: fresh for a TTL, and the last good set kept through failures.

``KeyCache.get`` answers from the first of these that has keys:

- ``cache``: the last good keys, fetched less than the TTL ago;
- ``aws``: a new fetch, which becomes the last good keys;
- ``stale``: the last good keys, however old, when the fetch failed;
- ``fallback``: the configured fallback keys, when the fetch failed and there are no
  last good keys.

Otherwise it raises ``KeysUnavailable``. A failed fetch never discards the last good keys,
and the next request tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from lambdas.common.errors import PlatformError
from lambdas.jwks.secret_store import KeyFetchError

logger = Logger()

AWS = "aws"
CACHE = "cache"
STALE = "stale"
FALLBACK = "fallback"


class KeysUnavailable(PlatformError):
    """No fetched, cached or fallback keys to serve."""

    status = 503

    def __init__(self, message: str = "no keys to serve") -> None:
        super().__init__("KEYS_UNAVAILABLE", message)


@dataclass(frozen=True)
class KeySet:
    keys: list[dict]
    source: str


class KeyCache:
    def __init__(self, ttl_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._last_good: list[dict] | None = None
        self._fetched_at = 0.0

    def get(self, fetch: Callable[[], list[dict]], fallback_keys: list[dict] | None = None) -> KeySet:
        if self._last_good is not None and self._age() < self._ttl_seconds:
            return KeySet(self._last_good, CACHE)
        try:
            keys = fetch()
        except KeyFetchError as error:
            logger.warning("Could not refresh the JWKS keys", extra={"error_code": error.code})
            return self._degraded(fallback_keys)
        self._last_good, self._fetched_at = keys, self._clock()
        return KeySet(keys, AWS)

    def _age(self) -> float:
        return self._clock() - self._fetched_at

    def _degraded(self, fallback_keys: list[dict] | None) -> KeySet:
        if self._last_good is not None:
            return KeySet(self._last_good, STALE)
        if fallback_keys:
            logger.warning("Serving the configured fallback keys")
            return KeySet(fallback_keys, FALLBACK)
        logger.error("No JWKS keys to serve: no last good keys and no fallback keys")
        raise KeysUnavailable()
