"""Who names whom in a stack policy's resource list, built once per list instead of one scan per role.

``naming(role, types)`` gives, in stack order, the resources of those types that name the role through
the property dependency the program recorded (``role``, ``roles``, ``roleName``) or a known name, id or
ARN, exactly as a scan of the list would. ``policy_for(arn)`` finds the stack's Policy of an ARN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from policies.props import known_or_none

POLICY_TYPE = "aws:iam/policy:Policy"
# The property by which each kind of resource names a role.
ROLE_KEYS = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/policyAttachment:PolicyAttachment": "roles",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
}


class StackIndex:
    def __init__(self, resources: list[Any]) -> None:
        self._resources = resources
        self._by_urn: dict[str, set[int]] = defaultdict(set)
        self._by_ref: dict[str, set[int]] = defaultdict(set)
        self.policies = [r for r in resources if r.resource_type == POLICY_TYPE]
        self._policy_by_arn: dict[str, Any] = {}
        for policy in self.policies:
            arn = known_or_none(policy.props, "arn")
            if isinstance(arn, str):
                self._policy_by_arn.setdefault(arn, policy)
        for position, resource in enumerate(resources):
            key = ROLE_KEYS.get(resource.resource_type)
            if key is None:
                continue
            for dependency in resource.property_dependencies.get(key, []):
                self._by_urn[dependency.urn].add(position)
            for ref in _refs_in(resource.props, key):
                self._by_ref[ref].add(position)

    def naming(self, role: Any, types: tuple[str, ...]) -> list[Any]:
        positions = set(self._by_urn.get(role.urn, ()))
        for ref in role_refs(role):
            positions |= self._by_ref.get(ref, set())
        found = (self._resources[p] for p in sorted(positions))
        return [r for r in found if r.resource_type in types]

    def naming_refs(self, refs: frozenset[str], types: tuple[str, ...]) -> list[Any]:
        """The part of ``naming`` a role gets through its names (the same for every role with these names)."""
        positions: set[int] = set().union(*(self._by_ref.get(ref, ()) for ref in refs))
        return [self._resources[p] for p in sorted(positions) if self._resources[p].resource_type in types]

    def naming_urn_only(self, role: Any, refs: frozenset[str], types: tuple[str, ...]) -> list[Any]:
        """The rest of ``naming``: resources naming the role by its URN alone."""
        shared = [self._by_ref.get(ref, set()) for ref in refs]
        positions = [p for p in sorted(self._by_urn.get(role.urn, ())) if not any(p in s for s in shared)]
        return [self._resources[p] for p in positions if self._resources[p].resource_type in types]

    def policy_for(self, arn: str) -> Any | None:
        """The stack's Policy whose ARN is ``arn``; at preview a new Policy's ARN is unknown, so one whose
        known name and path end the ARN (``arn:aws:iam::<account>:policy<path><name>``) counts too."""
        if arn in self._policy_by_arn:
            return self._policy_by_arn[arn]
        if ":policy/" not in arn or arn.split(":")[4:5] == ["aws"]:
            return None
        for policy in self.policies:
            name = known_str(policy.props, "name")
            if (
                known_or_none(policy.props, "arn") is None
                and name is not None
                and arn.endswith(":policy" + (known_str(policy.props, "path") or "/") + name)
            ):
                return policy
        return None


_LAST: list[tuple[list[Any], int, StackIndex]] = []


def stack_index(resources: list[Any]) -> StackIndex:
    """The index of this very list (one kept: a stack policy's rules all read the same list)."""
    if _LAST and _LAST[0][0] is resources and _LAST[0][1] == len(resources):
        return _LAST[0][2]
    index = StackIndex(resources)
    _LAST[:] = [(resources, len(resources), index)]
    return index


def _refs_in(props: Mapping[str, Any], key: str) -> list[str]:
    if key != "roles":
        value = known_str(props, key)
        return [value] if value is not None else []
    roles = known_or_none(props, "roles") or []
    return [item for item in (known_item(roles, i) for i in range(len(roles))) if item is not None]


def role_refs(role: Any) -> set[str]:
    return {v for v in (known_or_none(role.props, k) for k in ("name", "id", "arn")) if isinstance(v, str) and v}


def known_str(props: Mapping[str, Any], key: str) -> str | None:
    value = known_or_none(props, key)
    return value if isinstance(value, str) and value else None


def known_item(values: Any, index: int) -> str | None:
    try:
        value = values[index]
    except UnknownValueError:
        return None
    return value if isinstance(value, str) and value else None
