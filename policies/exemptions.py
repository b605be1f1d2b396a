"""Exemptions: the ``exemptions`` setting of a policy, matched by logical or physical resource name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from policies.autonames import is_name_or_autoname
from policies.props import known_or_none


def exemption_reason(settings: Mapping[str, Any], *names: Any) -> str | None:
    """The reason of the first exemption matching any of ``names`` (logical or physical names)."""
    candidates = [n for n in names if isinstance(n, str) and n]
    for entry in settings.get("exemptions") or []:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not name:
            continue
        for candidate in candidates:
            if is_name_or_autoname(candidate, name):
                return str(entry.get("reason") or "")
    return None


class NamedResource(Protocol):
    """A resource as a rule sees it: ResourceValidationArgs, or a PolicyResource of a stack policy."""

    name: str
    props: Mapping[str, Any]


def is_exempt(settings: Mapping[str, Any], resource: NamedResource) -> bool:
    """Whether an exemption names the resource: its logical name, or its physical ``name`` property."""
    return exemption_reason(settings, resource.name, known_or_none(resource.props, "name")) is not None
