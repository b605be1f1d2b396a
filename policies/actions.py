"""IAM actions and resources: what an action pattern grants, and whether a Resource covers everything."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable

from policies import iam_data


@functools.lru_cache(maxsize=4096)
def expand_action(pattern: str) -> frozenset[str]:
    """Every known IAM action (``service:Action``, lower-cased) an action pattern grants.

    Uses AWS's service authorization reference (policies/iam_data.py). An unknown service or
    action expands to the pattern itself, lower-cased, so a policy still sees what was written.
    """
    return iam_data.expand(pattern) or frozenset({pattern.lower()})


def grants(action_patterns: Iterable[str], wanted: Iterable[str]) -> set[str]:
    """Which ``wanted`` patterns (globs, case-insensitive) the statement's actions grant."""
    granted: set[str] = set()
    for action in action_patterns:
        for concrete in expand_action(action):
            granted.update(w for w in wanted if fnmatch.fnmatchcase(concrete, w.lower()))
    return granted


def granted_actions(action_patterns: Iterable[str], wanted: Iterable[str]) -> set[str]:
    """The concrete actions (lower-cased) of the statement matching any ``wanted`` glob."""
    return set(_granted_actions(tuple(action_patterns), tuple(w.lower() for w in wanted)))


@functools.lru_cache(maxsize=8192)
def _granted_actions(action_patterns: tuple[str, ...], wanted: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        concrete
        for action in action_patterns
        for concrete in expand_action(action)
        if any(fnmatch.fnmatchcase(concrete, w) for w in wanted)
    )


def resource_matches(pattern: str, arn: str) -> bool:
    """Whether an IAM Resource pattern (``*`` and ``?`` wildcards) covers ``arn``."""
    return fnmatch.fnmatchcase(arn, pattern)


_ARN = re.compile(r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)")


def is_effectively_star(resource: str) -> bool:
    """``*``, or an ARN naming every resource of a type in an account (or in every account).

    After the account, the ARN holds only wildcards and the service's resource-type words, each
    followed by a wildcard: ``key/*``, ``secret:*``, ``function:*:*``, ``table/*/index/*``,
    ``*/*/*/*`` (execute-api), or just ``*``; whatever its region and account. A name or a name
    prefix anywhere (``function:app-*``, ``log-group:x:log-stream:*``, ``<api-id>/*``) scopes it.
    """
    if resource == "*":
        return True
    match = _ARN.fullmatch(resource)
    if not match:
        return False
    tokens = re.split(r"[/:]", match["resource"])
    if not _WILDCARD.fullmatch(tokens[-1]):
        return False
    words = _resource_type_words(match["service"].lower())
    return all(
        _WILDCARD.fullmatch(token) or (token in words and _WILDCARD.fullmatch(after))
        for token, after in zip(tokens, [*tokens[1:], ""], strict=True)
    )


_WILDCARD = re.compile(r"[*?]*\*[*?]*")


def _resource_type_words(service: str) -> frozenset[str]:
    return iam_data.resource_type_words(service)
