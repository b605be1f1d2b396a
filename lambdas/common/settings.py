"""Reading a handler's settings from its environment.

Every message names the variable, never its value, so it is safe to log.
"""

from __future__ import annotations

from collections.abc import Mapping


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable, never its value."""


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
