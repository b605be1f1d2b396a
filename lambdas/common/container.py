"""What a Lambda container builds on its first invocation and keeps for the next ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ContainerState(Generic[T]):
    """``get()`` builds the value once with ``build(overrides)`` and then returns it.

    ``reset(**overrides)`` forgets it (for tests); the next ``get()`` builds it again with
    the given overrides, such as stubbed clients. ``overrides`` is one dict for the state's
    whole life, so a module may expose it under its own name. ``close``, when given, is
    called with the built value before ``reset`` forgets it (an open connection, say).
    """

    def __init__(self, build: Callable[[Mapping[str, Any]], T], close: Callable[[T], Any] | None = None) -> None:
        self._build = build
        self._close = close
        self._value: T | None = None
        self.overrides: dict[str, Any] = {}

    def get(self) -> T:
        if self._value is None:
            self._value = self._build(self.overrides)
        return self._value

    def reset(self, **overrides: Any) -> None:
        if self._value is not None and self._close is not None:
            self._close(self._value)
        self._value = None
        self.overrides.clear()
        self.overrides.update(overrides)
