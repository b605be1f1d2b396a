"""``role_identity_documents`` and ``role_attachments`` for every role a stack rule visits, in linear time.

Copies of a platform share role names and ARNs, so each copy's role is named by the resources of every
copy, and one ``role_identity_documents`` per role is quadratic in the copies. Here what a role gets
through its names is built once per set of names; only what it gets through its own URN and its own
properties is built per role. Together they are the same documents and attachments (in another order).
Everything is built before a rule reports anything: a value not known yet raises UnknownValueError here,
and the rule then takes its ordinary path, so that what it reports before failing is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policies.attachments import _ATTACHMENT_KEYS, Attachment, _attached
from policies.documents import Document, identity_documents
from policies.resource_types import POLICY_TYPE, ROLE_POLICY_TYPE, ROLE_TYPE
from policies.stack_index import StackIndex, role_refs, stack_index

_ATTACHING = tuple(_ATTACHMENT_KEYS)


@dataclass
class Grants:
    """Identity documents (with the resource holding each) and attachments of one part of a role."""

    documents: list[tuple[Any, Document]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class RoleGrants:
    role: Any
    key: frozenset[str]  # the role's names: roles with the same key share ``shared``
    shared: Grants
    own: Grants


def role_grants(roles: list[Any], resources: list[Any]) -> list[RoleGrants]:
    index = stack_index(resources)
    shared: dict[frozenset[str], Grants] = {}
    found = []
    for role in roles:
        key = frozenset(role_refs(role))
        if key not in shared:
            shared[key] = _grants(
                index.naming_refs(key, (ROLE_POLICY_TYPE,)), index.naming_refs(key, _ATTACHING), [], index, set()
            )
        seen = {a.policy.urn for a in shared[key].attachments if a.policy is not None}
        own = _grants(
            index.naming_urn_only(role, key, (ROLE_POLICY_TYPE,)),
            index.naming_urn_only(role, key, _ATTACHING),
            [role],
            index,
            seen,
        )
        own.documents[:0] = [(role, d) for d in identity_documents(ROLE_TYPE, role.props)]
        found.append(RoleGrants(role, key, shared[key], own))
    return found


def _grants(
    role_policies: list[Any], attaching: list[Any], roles: list[Any], index: StackIndex, seen: set[str]
) -> Grants:
    grants = Grants()
    for resource in role_policies:
        grants.documents.extend((resource, d) for d in identity_documents(ROLE_POLICY_TYPE, resource.props))
    for role in roles:
        grants.attachments.extend(_attached(role, "managedPolicyArns", role, index))
    for resource in attaching:
        grants.attachments.extend(_attached(resource, _ATTACHMENT_KEYS[resource.resource_type], resource, index))
    for attachment in grants.attachments:
        if attachment.policy is not None and attachment.policy.urn not in seen:
            seen.add(attachment.policy.urn)
            grants.documents.extend(
                (attachment.policy, d) for d in identity_documents(POLICY_TYPE, attachment.policy.props)
            )
    return grants


def distinct_documents(grants: list[RoleGrants]) -> list[tuple[Any, Document]]:
    """The documents of all these roles, each group's shared ones once."""
    shared = {g.key: g.shared.documents for g in grants}
    return [d for documents in shared.values() for d in documents] + [d for g in grants for d in g.own.documents]
