"""The shape of one deployer-policy family: the types it covers, their actions and ARNs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    sid: str
    types: frozenset[str]
    actions: tuple[str, ...]
    # (type, ARN template): one resource per record of that type; {name} is the record's name
    # pattern (its explicit name, or ``<logical name>-*`` for an auto-name); {region}, {project}
    # and {stack} are the stack's. No template: the family's actions get ``extra_resources`` only.
    arns: tuple[tuple[str, str], ...] = ()
    unscoped: tuple[str, ...] = ()  # actions that take only "*"
    extra_resources: tuple[str, ...] = ()  # templates added whenever the family is present


def types(*names: str) -> frozenset[str]:
    return frozenset(names)
