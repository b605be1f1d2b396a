"""Reading a handler's settings from its environment.

Every message names the variable, never its value, so it is safe to log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lambdas.common.errors import PlatformError

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "²" and "٣" pass str.isdigit()


MISCONFIGURED = "MISCONFIGURED"


class SettingsError(PlatformError):
    """A setting is missing or invalid; the message names the variable, never its value."""

    def __init__(self, message: str) -> None:
        super().__init__(MISCONFIGURED, message)


def required(environ: Mapping[str, str], name: str) -> str:
    """The variable's value without surrounding blanks; ``<name> is not set`` when empty."""
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set")
    return value


def aws_region(environ: Mapping[str, str]) -> str:
    """``AWS_REGION``, else ``AWS_DEFAULT_REGION``; ``AWS_REGION is not set`` when neither is."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or ""
    if not region:
        raise SettingsError("AWS_REGION is not set")
    return region


def whole_number(
    environ: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    """The variable as a whole number of ASCII digits in ``minimum``-``maximum``; ``default``
    when unset or blank. Anything else is a ``SettingsError`` naming the variable."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise SettingsError(f"{name} is not a whole number")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise SettingsError(f"{name} must be a whole number {bounds}")
    return value
