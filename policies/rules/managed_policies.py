"""AWS-managed administrator and full-access policies are not attached to roles, users or groups."""

from __future__ import annotations

import fnmatch
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)
from pulumi_policy.proxy import UnknownValueError

from policies.exemptions import exemption_reason
from policies.props import known_or_none
from policies.resource_types import (
    POLICY_ATTACHMENT_TYPE,
    ROLE_POLICY_ATTACHMENT_TYPE,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE,
    ROLE_TYPE,
    applies_to,
)
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

# Each attaching resource type: the key holding the policy ARN(s), and the keys naming who gets them.
ATTACHERS = {
    ROLE_POLICY_ATTACHMENT_TYPE: ("policyArn", ("role",)),
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": ("policyArn", ("user",)),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": ("policyArn", ("group",)),
    POLICY_ATTACHMENT_TYPE: ("policyArn", ("roles", "users", "groups")),
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE: ("policyArns", ("roleName",)),
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": ("policyArns", ("userName",)),
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": ("policyArns", ("groupName",)),
    ROLE_TYPE: ("managedPolicyArns", ("name",)),
}

DENIED_POLICY_ARNS = [
    "arn:aws*:iam::aws:policy/AdministratorAccess*",
    "arn:aws*:iam::aws:policy/IAMFullAccess",
    "arn:aws*:iam::aws:policy/PowerUserAccess",
    "arn:aws*:iam::aws:policy/*FullAccess",
]

SCHEMA = PolicyConfigSchema(
    properties={
        "deniedPolicyArns": string_list(
            DENIED_POLICY_ARNS,
            "Managed policy ARNs (globs, case-sensitive; * matches across / and :) that must not be attached: "
            "AdministratorAccess (and its -Amplify, -AWSElasticBeanstalk variants), IAMFullAccess, "
            "PowerUserAccess and every AWS-managed *FullAccess policy (also under a path: service-role/...).",
        ),
        "allowedPolicyArns": string_list(
            [],
            'Exceptions to deniedPolicyArns (globs), e.g. "arn:aws:iam::aws:policy/AmazonS3FullAccess" for '
            "every attachment in the stack; prefer exemptions, which name one attachment and its reason.",
        ),
        "exemptions": exemptions_schema("Attachments, or the roles, users or groups they attach to,"),
    },
)


@applies_to(*ATTACHERS)
def _validate_admin_managed_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, SCHEMA)
    arn_key, target_keys = ATTACHERS[args.resource_type]
    targets = [t for key in target_keys for _, t in _known_strings(known_or_none(args.props, key))]
    if args.resource_type == ROLE_TYPE:
        targets = targets or [args.name]
    if exemption_reason(settings, args.name, *targets) is not None:
        return
    for index, arn in _known_strings(known_or_none(args.props, arn_key)):
        where = arn_key if index is None else f"{arn_key}[{index}]"
        if _denied(arn, settings):
            shown = ", ".join(f'"{t}"' for t in targets) or "?"
            report_violation(
                f'{where} of "{args.name}" attaches {arn} to {shown}: AWS-managed administrator or full-access '
                "permissions on every resource of the service; grant the actions it needs on its resources in a "
                "policy of the stack, or, if deliberate (a break-glass role), exempt it in the pack config: "
                f'{{"iam-no-admin-managed-policy": {{"exemptions": [{{"name": "{args.name}", "reason": "..."}}]}}}} '
                "(or list the ARN in its allowedPolicyArns)"
            )


def _known_strings(value: Any) -> list[tuple[int | None, str]]:
    """``(index, string)`` for one string (index None) or each known string of a list; an ARN not known yet
    is a policy of the stack, never one of AWS's own."""
    if isinstance(value, str):
        return [(None, value)] if value else []
    found: list[tuple[int | None, str]] = []
    for index in range(len(value or [])):
        try:
            item = value[index]
        except UnknownValueError:
            continue
        if isinstance(item, str) and item:
            found.append((index, item))
    return found


def _denied(arn: str, settings: dict[str, Any]) -> bool:
    return any(fnmatch.fnmatchcase(arn, glob) for glob in settings["deniedPolicyArns"]) and not any(
        fnmatch.fnmatchcase(arn, glob) for glob in settings["allowedPolicyArns"]
    )


IAM_NO_ADMIN_MANAGED_POLICY = ResourceValidationPolicy(
    name="iam-no-admin-managed-policy",
    description="AWS-managed administrator or full-access policies (AdministratorAccess, IAMFullAccess, "
    "PowerUserAccess, *FullAccess) must not be attached to roles, users or groups.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Replace the managed policy by a policy of the stack that lists the actions and resources "
    "the principal uses (ReadOnlyAccess and other read-only managed policies are fine); for a "
    'deliberate break-glass role, add {"name": "<attachment or role>", "reason": "..."} to '
    "this policy's exemptions.",
    config_schema=SCHEMA,
    validate=_validate_admin_managed_policy,
)
