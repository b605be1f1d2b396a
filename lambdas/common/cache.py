"""A value kept per Lambda container and read again once it is older than a TTL."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TtlCache(Generic[T]):
    """``get()`` answers from the last read while it is younger than ``ttl_seconds``.

    A failed read raises (an expired value is never served), and the next call reads again.
    """

    def __init__(self, read: Callable[[], T], ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._read, self._ttl_seconds, self._clock = read, ttl_seconds, clock
        self._value: T | None = None
        self._read_at = 0.0

    def get(self) -> T:
        now = self._clock()
        if self._value is None or now - self._read_at >= self._ttl_seconds:
            self._value, self._read_at = self._read(), now
        return self._value
