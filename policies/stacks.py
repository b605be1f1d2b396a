"""What a resource's properties say about its stack, its account, its tags and the function it names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from policies.props import known_or_none


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """Explicit ``tags`` over the provider's ``tagsAll``; unknown or absent tag maps count as empty."""
    merged: dict[str, str] = {}
    for key in ("tagsAll", "tags"):
        value = known_or_none(props, key)
        if isinstance(value, Mapping):
            for tag, tag_value in value.items():
                tag_value = known_or_none(value, tag)
                if isinstance(tag_value, str):
                    merged[tag] = tag_value
    return merged


def stack_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::...`` → ``<stack>``."""
    return urn.removeprefix("urn:pulumi:").split("::", 1)[0]


_OWN_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):.+")


def stack_account_ids(resources: Iterable[Any]) -> set[str]:
    """The accounts of the ARNs (``arn`` outputs) of the stack's resources: the stack's own accounts."""
    accounts = set()
    for resource in resources:
        arn = known_or_none(resource.props, "arn")
        match = _OWN_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if match:
            accounts.add(match.group(1))
    return accounts


def function_name(function: str) -> str:
    """``function`` is a name, ``name:qualifier``, or a (partial) ARN ending in ``function:name[:qualifier]``."""
    if ":function:" in function:
        function = function.split(":function:", 1)[1]
    return function.split(":", 1)[0]
