"""Managed policies attached to a role, and every identity document granting to a role, across the stack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from policies.documents import Document, identity_documents
from policies.resource_types import (
    POLICY_ATTACHMENT_TYPE,
    POLICY_TYPE,
    ROLE_POLICY_ATTACHMENT_TYPE,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE,
    ROLE_POLICY_TYPE,
    ROLE_TYPE,
)
from policies.stack_index import StackIndex, stack_index
from policies.stack_index import known_item as _known_item


@dataclass(frozen=True)
class Attachment:
    """A managed policy attached to a role: by whom (``source``, ``where``), its ARN when known, and the
    Policy resource of the stack it names (None for an AWS-managed or external policy)."""

    source: PolicyResource  # the attachment resource, or the role itself (managedPolicyArns)
    where: str  # "policyArn", "managedPolicyArns[0]", "policyArns[1]"
    arn: str | None  # None when not known yet
    policy: PolicyResource | None  # the stack's aws:iam/policy:Policy, when the ARN names one


def role_identity_documents(
    role: PolicyResource, resources: list[PolicyResource]
) -> Iterator[tuple[PolicyResource, Document]]:
    """Every identity document granting to ``role`` (a PolicyResource): inline policies, RolePolicy
    resources naming it, and the stack's Policy resources attached to it (see ``role_attachments``)."""
    for document in identity_documents(ROLE_TYPE, role.props):
        yield role, document
    for resource in stack_index(resources).naming(role, (ROLE_POLICY_TYPE,)):
        for document in identity_documents(ROLE_POLICY_TYPE, resource.props):
            yield resource, document
    seen: set[str] = set()
    for attachment in role_attachments(role, resources):
        if attachment.policy is not None and attachment.policy.urn not in seen:
            seen.add(attachment.policy.urn)
            for document in identity_documents(POLICY_TYPE, attachment.policy.props):
                yield attachment.policy, document


_ATTACHMENT_KEYS = {
    ROLE_POLICY_ATTACHMENT_TYPE: "policyArn",
    POLICY_ATTACHMENT_TYPE: "policyArn",
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE: "policyArns",
}


def role_attachments(role: PolicyResource, resources: list[PolicyResource]) -> Iterator[Attachment]:
    """Every managed policy attached to ``role``: RolePolicyAttachment, PolicyAttachment (``roles``),
    RolePolicyAttachmentsExclusive (``policyArns``) and the role's own ``managedPolicyArns``.

    A reference is followed through the property dependency the program recorded, else by a known
    name or ARN; an unknown value never matches another unknown value."""
    index = stack_index(resources)
    yield from _attached(role, "managedPolicyArns", role, index)
    for resource in index.naming(role, tuple(_ATTACHMENT_KEYS)):
        yield from _attached(resource, _ATTACHMENT_KEYS[resource.resource_type], resource, index)


def _attached(holder: PolicyResource, key: str, source: PolicyResource, index: StackIndex) -> Iterator[Attachment]:
    """The attachments ``holder.props[key]`` (one ARN or a list) makes."""
    try:
        value = holder.props.get(key)
    except UnknownValueError:
        value = None
        unknown = True
    else:
        unknown = False
    single = isinstance(value, str) or value is None
    arns = (
        [value]
        if isinstance(value, str)
        else []
        if value is None
        else [_known_item(value, i) for i in range(len(value))]
    )
    linked = [p for p in holder.property_dependencies.get(key, []) if p.resource_type == POLICY_TYPE]
    unmatched = list(linked)
    for index_, arn in enumerate(arns):
        where = key if single else f"{key}[{index_}]"
        policy = index.policy_for(arn) if arn is not None else None
        if policy is None and arn is None and len(linked) == 1:
            policy = linked[0]  # the one Policy whose (unknown) ARN the program passed
        unmatched = [p for p in unmatched if policy is None or p.urn != policy.urn]
        yield Attachment(source, where, arn, policy)
    for policy in unmatched:  # linked by the program, its ARN not known yet
        yield Attachment(source, key, None, policy)
    if unknown and not linked:
        yield Attachment(source, key, None, None)
