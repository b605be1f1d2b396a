"""Identity policies: no wildcard actions, sensitive actions scoped, no ListSecrets, no privilege escalation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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

from policies import iam_data
from policies.actions import expand_action, granted_actions, is_effectively_star
from policies.documents import Document, Statement, identity_documents, known_statements, raise_first_unknown
from policies.exemptions import is_exempt
from policies.resource_types import DOCUMENT_TYPES, applies_to
from policies.schemas import exemptions_only_schema, exemptions_schema, string_list
from policies.settings import policy_settings

# "service:*", and anything else whose action part is only wildcards ("iam:**", "iam:*?", "*:*")
_SERVICE_WILDCARD = re.compile(r"[^:]*:[*?]+")


def _statements(
    args: ResourceValidationArgs, settings: dict[str, Any], unknowns: list[UnknownValueError]
) -> Iterator[tuple[Document, Statement]]:
    """Every statement of the resource's known identity documents, unless the resource is exempt; a
    document not known yet goes to ``unknowns`` (the caller raises it once the known ones are checked)."""
    if not is_exempt(settings, args):
        yield from known_statements(identity_documents(args.resource_type, args.props, unknowns), unknowns)


def _where(args: ResourceValidationArgs, document: Document, statement: Statement) -> str:
    return f'{statement.label} of {document.where} on "{args.name}"'


# --- iam-policy-no-wildcard-actions -----------------------------------------------------

WILDCARD_SCHEMA = exemptions_only_schema("Identity policies")


@applies_to(*DOCUMENT_TYPES)
def _validate_wildcards(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, WILDCARD_SCHEMA)
    unknowns: list[UnknownValueError] = []
    for document, statement in _statements(args, settings, unknowns):
        if not statement.allows:
            continue
        for action in statement.actions:
            if action == "*" or _SERVICE_WILDCARD.fullmatch(action):
                report_violation(
                    f'{_where(args, document, statement)} allows "{action}"; list the actions '
                    "the principal needs (e.g. secretsmanager:GetSecretValue)"
                )
        if statement.not_actions:
            report_violation(
                f"{_where(args, document, statement)} uses NotAction with Allow, which grants "
                "every other action, including ones AWS adds later; list the allowed actions in Action"
            )
    raise_first_unknown(unknowns)


NO_WILDCARD_ACTIONS = ResourceValidationPolicy(
    name="iam-policy-no-wildcard-actions",
    description='Identity policies must not allow "*" or "service:*" actions, nor Allow with NotAction.',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps='Replace "*" and "service:*" with the actions the principal calls; replace an '
    "Allow with NotAction by an Allow listing actions.",
    config_schema=WILDCARD_SCHEMA,
    validate=_validate_wildcards,
)


# --- iam-policy-scoped-resources ---------------------------------------------------------

SENSITIVE_ACTIONS = [
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret*",
    "secretsmanager:RotateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
    "sts:SetSourceIdentity",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "ssm:PutParameter",
    "ssm:DeleteParameter*",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQL*",
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "lambda:InvokeAsync",
    "execute-api:Invoke",
    "execute-api:ManageConnections",
]

SCOPED_SCHEMA = PolicyConfigSchema(
    properties={
        "sensitiveActions": string_list(
            SENSITIVE_ACTIONS,
            "Actions (globs, case-insensitive) that must name their resources. Every one supports "
            "resource-level permissions; actions AWS cannot scope (xray:PutTraceSegments, "
            'secretsmanager:ListSecrets, ...) may stay on "*".',
        ),
        "accessLevels": string_list(
            ["Read"],
            "Besides sensitiveActions, every action of these access levels in AWS's service authorization "
            "reference that is authorised against a named resource must name its resources (Read: s3:GetObject, "
            "lambda:GetFunction, logs:GetLogEvents, ...; not cloudwatch:GetMetricData, whose resource is "
            "optional). Under NotResource, every such action is judged, whatever its level.",
            enum=["Read", "List", "Write", "Permissions management", "Tagging"],
        ),
        "exemptions": exemptions_schema("Identity policies"),
    },
)


def _judged_actions(statement: Statement, settings: dict[str, Any], broad: list[str]) -> set[str]:
    """The statement's actions that must name their resources: the configured sensitive ones, and those
    AWS lets name resources at a judged access level (any level under NotResource)."""
    judged = granted_actions(statement.actions, settings["sensitiveActions"])
    levels = None if statement.not_resources and not broad else set(settings["accessLevels"])
    for pattern in statement.actions:
        judged.update(
            action
            for action in expand_action(pattern)
            if (levels is None or iam_data.access_level(action) in levels) and iam_data.requires_resource(action)
        )
    return judged


def _unscoped(
    args: ResourceValidationArgs, settings: dict[str, Any], judged: Callable[[Statement, list[str]], set[str]]
) -> Iterator[tuple[str, str, str]]:
    """``(where, actions shown, scope)`` for each Allow granting ``judged`` actions on "*", an account-wide
    wildcard ARN or NotResource; raises for an unknown document once the known ones are checked."""
    unknowns: list[UnknownValueError] = []
    for document, statement in _statements(args, settings, unknowns):
        if not statement.allows or statement.not_actions:
            continue  # NotAction: iam-policy-no-wildcard-actions reports it
        broad = [r for r in statement.resources if is_effectively_star(r)]
        if not broad and not statement.not_resources:
            continue
        actions = judged(statement, broad)
        if not actions or _context_scoped_keys(statement, broad, actions):
            continue
        scope = f'Resource "{broad[0]}"' if broad else "NotResource"
        shown = ", ".join(sorted(actions)[:5]) + (f" and {len(actions) - 5} more" if len(actions) > 5 else "")
        yield _where(args, document, statement), shown, scope
    raise_first_unknown(unknowns)


@applies_to(*DOCUMENT_TYPES)
def _validate_scoped(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, SCOPED_SCHEMA)
    for where, shown, scope in _unscoped(
        args, settings, lambda statement, broad: _judged_actions(statement, settings, broad)
    ):
        report_violation(
            f"{where} grants {shown} on {scope}; name the secrets, keys, roles, parameters, tables, "
            "buckets, functions or APIs in Resource"
        )


_ACCOUNT_KEYS = re.compile(r"arn:[\w-]+:kms:[\w-]*:\d{12}:key/\*")


def _context_scoped_keys(statement: Statement, broad: list[str], sensitive: set[str]) -> bool:
    """KMS actions on every key of one named account, conditioned (StringEquals/StringLike, not
    IfExists) on a kms:EncryptionContext:<key>: the context names the data the keys may decrypt (an
    outside reader of "the secrets under a prefix", whose keys it cannot know, decrypts only those)."""
    return (
        not statement.not_resources
        and all(_ACCOUNT_KEYS.fullmatch(r) for r in broad)
        and all(action.startswith("kms:") for action in sensitive)
        and any(key.startswith("kms:encryptioncontext:") for key in statement.restricting_keys())
    )


SCOPED_RESOURCES = ResourceValidationPolicy(
    name="iam-policy-scoped-resources",
    description="Sensitive actions (secrets, KMS, STS assume, SSM parameters, DynamoDB items, Lambda invoke, "
    'execute-api) must name their resources, never "*".',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Put the ARNs of the resources the principal uses in Resource (build them from the "
    'resources\' outputs); keep "*" only for actions AWS cannot scope.',
    config_schema=SCOPED_SCHEMA,
    validate=_validate_scoped,
)


# --- iam-no-list-secrets -----------------------------------------------------------------

LIST_SECRETS_SCHEMA = exemptions_only_schema("Identity policies")


@applies_to(*DOCUMENT_TYPES)
def _validate_list_secrets(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, LIST_SECRETS_SCHEMA)
    unknowns: list[UnknownValueError] = []
    for document, statement in _statements(args, settings, unknowns):
        if (
            statement.allows
            and not statement.not_actions
            and granted_actions(statement.actions, ["secretsmanager:ListSecrets"])
        ):
            report_violation(
                f"{_where(args, document, statement)} grants secretsmanager:ListSecrets, which "
                "lists every secret's name and metadata in the account and is never needed to read "
                "a known secret; remove it and read the secret by its ARN"
            )
    raise_first_unknown(unknowns)


NO_LIST_SECRETS = ResourceValidationPolicy(
    name="iam-no-list-secrets",
    description="Identity policies should not grant secretsmanager:ListSecrets.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps="Remove secretsmanager:ListSecrets (and wildcards that include it); pass the secret's "
    "ARN to the code that reads it.",
    config_schema=LIST_SECRETS_SCHEMA,
    validate=_validate_list_secrets,
)


# --- iam-policy-no-privilege-escalation --------------------------------------------------

ESCALATION_ACTIONS = [
    "iam:PassRole",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateAccessKey",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "lambda:UpdateFunctionCode",
]

ESCALATION_SCHEMA = PolicyConfigSchema(
    properties={
        "escalationActions": string_list(
            ESCALATION_ACTIONS,
            "Actions (globs, case-insensitive) that let a principal gain more permissions than it has when "
            'granted on "*", an account-wide wildcard ARN (role/*, user/*, policy/*) or NotResource: pass any '
            "role to a service, give any user a password or keys, attach or rewrite any policy or trust, run "
            "code as any function's role. sts:AssumeRole on \"*\" is iam-policy-scoped-resources'.",
        ),
        "exemptions": exemptions_schema("Identity policies"),
    },
)


@applies_to(*DOCUMENT_TYPES)
def _validate_escalation(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, ESCALATION_SCHEMA)
    escalating = settings["escalationActions"]
    for where, shown, scope in _unscoped(
        args, settings, lambda statement, _broad: granted_actions(statement.actions, escalating)
    ):
        report_violation(
            f"{where} grants {shown} on {scope}, a privilege escalation path (the principal can pass, attach, "
            "rewrite or log in as something more privileged than itself); name the roles, users, groups or "
            "policies in Resource (for iam:PassRole the roles, with an iam:PassedToService condition), or "
            "exempt the policy in the pack config: "
            f'{{"iam-policy-no-privilege-escalation": {{"exemptions": [{{"name": "{args.name}", "reason": "..."}}]}}}}'
        )


NO_PRIVILEGE_ESCALATION = ResourceValidationPolicy(
    name="iam-policy-no-privilege-escalation",
    description="Identity policies must not grant privilege-escalation actions (iam:PassRole, login profiles, "
    'access keys, policy attachment and versioning, trust updates) on "*" or unscoped.',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Name the roles, users, groups or policies the principal may act on in Resource (build the "
    "ARNs from the resources' outputs); condition iam:PassRole on iam:PassedToService.",
    config_schema=ESCALATION_SCHEMA,
    validate=_validate_escalation,
)
