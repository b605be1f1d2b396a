"""Reading the read-only property proxies pulumi-policy hands to rules.

``args.props`` is not a dict: ``json.dumps`` fails on it, a list proxy is not ``==`` to a list,
and reading an unknown value (one only known after deployment) raises ``UnknownValueError``,
which the SDK turns into an advisory "can't run policy" diagnostic. Even ``key in props``
reads the value, so it raises for an unknown value too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError


def plain(value: Any) -> Any:
    """A JSON-able copy of a property value; raises UnknownValueError if any part is unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {key: plain(value[key]) for key in value}
    if isinstance(value, Sequence):
        return [plain(item) for item in value]
    return value


def is_set(props: Mapping[str, Any], key: str) -> bool:
    """Whether the resource sets ``key``; a value known only after deployment counts as set."""
    if key not in list(iter(props)):  # iterating reads keys only, never values
        return False
    try:
        value = props[key]
    except UnknownValueError:
        return True
    return value not in (None, "")


def known_or_none(props: Mapping[str, Any], key: str) -> Any:
    """The value of ``key``, or None when it is absent or not known yet."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None
