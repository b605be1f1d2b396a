"""The resource type tokens the rules name, and ``applies_to``, which declares the types a rule checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from pulumi_policy import PolicyResource, StackValidationArgs

IDENTITY_POLICY_TYPES = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
ROLE_TYPE = "aws:iam/role:Role"
DOCUMENT_TYPES = (*IDENTITY_POLICY_TYPES, ROLE_TYPE)  # the types identity_documents and trust_document read
FUNCTION_TYPE = "aws:lambda/function:Function"
PERMISSION_TYPE = "aws:lambda/permission:Permission"
ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_TYPE = "aws:iam/policy:Policy"
POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"

_Check = TypeVar("_Check", bound=Callable[..., Any])


def applies_to(*resource_types: str) -> Callable[[_Check], _Check]:
    """Run the decorated validation or remediation only on resources of these types (None for others).
    The types are the wrapper's ``resource_types``: the in-process analyzer skips the call on other types."""
    types = frozenset(resource_types)

    def decorate(check: _Check) -> _Check:
        @functools.wraps(check)
        def checked(args: Any, *rest: Any) -> Any:
            return check(args, *rest) if args.resource_type in types else None

        checked.resource_types = types  # type: ignore[attr-defined]
        return cast(_Check, checked)

    return decorate


def resources_of(args: StackValidationArgs, *resource_types: str) -> list[PolicyResource]:
    """The resources of a stack policy's ``args`` (StackValidationArgs) of these types, in the stack's order."""
    return [r for r in args.resources if r.resource_type in resource_types]
