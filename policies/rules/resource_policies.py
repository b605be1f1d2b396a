"""Resource policies of queues, topics, secrets, container repositories and Lambda layers: never public, and
another account only within the organisation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policies.documents import raise_first_unknown, read_statements
from policies.exemptions import exemption_reason, is_exempt
from policies.props import known_or_none
from policies.public_access import (
    foreign_accounts,
    not_principal_allows,
    policy_statements,
    principal_account,
    unrestricted_public_allows,
)
from policies.resource_types import applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings
from policies.stacks import stack_account_ids

# The resources whose `policy` input is a resource policy, and what to call them in a message.
POLICY_HOLDERS = {
    "aws:sqs/queuePolicy:QueuePolicy": "queue policy",
    "aws:sqs/queue:Queue": "queue policy",
    "aws:sns/topicPolicy:TopicPolicy": "topic policy",
    "aws:sns/topic:Topic": "topic policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "secret policy",
    "aws:secretsmanager/secret:Secret": "secret policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "registry policy",
}
LAYER_PERMISSION_TYPE = "aws:lambda/layerVersionPermission:LayerVersionPermission"


# --- resource-policy-no-public-principal ---------------------------------------------------

PUBLIC_SCHEMA = PolicyConfigSchema(
    properties={
        "restrictingConditionKeys": string_list(
            [
                "aws:PrincipalOrgID",
                "aws:PrincipalOrgPaths",
                "aws:PrincipalAccount",
                "aws:PrincipalArn",
                "aws:SourceAccount",
                "aws:SourceArn",
                "aws:SourceOwner",
                "aws:SourceOrgID",
                "aws:SourceOrgPaths",
                "aws:SourceVpce",
                "aws:SourceVpc",
            ],
            'Condition keys that make an Allow to principal "*" acceptable: under a positive operator '
            "(StringEquals, ArnLike, ...; not ...IfExists, Null or ForAllValues:) on the statement itself, or "
            'negated (StringNotEquals, ...) on a Deny to "*" whose actions and resources cover the Allow\'s. '
            "Not aws:SourceIp by default: an address range still admits every account calling from it.",
        ),
        "exemptions": exemptions_schema(
            "Queues, topics, secrets, repositories, layer permissions (or their policy resources)"
        ),
    },
)


@applies_to(*POLICY_HOLDERS)
def _validate_no_public_principal(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, PUBLIC_SCHEMA)
    what = f'the {POLICY_HOLDERS[args.resource_type]} of "{args.name}"'
    statements = policy_statements(args, what, report_violation, settings)
    if statements is None:
        return
    for statement in not_principal_allows(statements):
        report_violation(
            f"{statement.label} of {what} uses NotPrincipal with Allow, which lets in every "
            "principal it does not list; name the principals in Principal instead"
        )
    keys = settings["restrictingConditionKeys"]
    for statement in unrestricted_public_allows(statements, keys):
        report_violation(
            f'{statement.label} of {what} allows principal "*" (anyone, in any account) without '
            f"a restricting condition; name the roles or accounts as principals, or add a condition "
            f"on one of {', '.join(keys)} (aws:PrincipalOrgID for your organisation, aws:SourceArn "
            "for a service), or exempt the resource in this policy's exemptions with a reason"
        )


@applies_to(LAYER_PERMISSION_TYPE)
def _validate_public_layer(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.props.get("principal") != "*" or known_or_none(args.props, "organizationId"):
        return
    if is_exempt(policy_settings(args, PUBLIC_SCHEMA), args):
        return
    report_violation(
        f'layer permission "{args.name}" shares the layer with every AWS account (principal "*" '
        "without organization_id); set organization_id to your organisation, or name one account "
        "as principal, or exempt the permission with a reason if the layer is meant to be public"
    )


@applies_to(*POLICY_HOLDERS, LAYER_PERMISSION_TYPE)
def _validate_public(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    _validate_no_public_principal(args, report_violation)
    _validate_public_layer(args, report_violation)


RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL = ResourceValidationPolicy(
    name="resource-policy-no-public-principal",
    description="SQS queue, SNS topic, Secrets Manager secret and ECR repository/registry policies must not "
    'allow principal "*" without a restricting condition; Lambda layers are not shared with '
    "every account.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Name the principals (role or account ARNs, or a service with aws:SourceArn), or condition "
    'the "*" statement on aws:PrincipalOrgID; give a layer permission an organization_id. '
    "A resource meant to be public goes in this policy's exemptions with a reason.",
    config_schema=PUBLIC_SCHEMA,
    validate=_validate_public,
)


# --- resource-policy-cross-account-guarded -------------------------------------------------

CROSS_ACCOUNT_SCHEMA = PolicyConfigSchema(
    properties={
        "accountIds": string_list(
            [],
            "This organisation's own AWS account ids. A principal in any other account needs one of "
            "guardConditionKeys. While the list is empty, the accounts in the ARNs of the stack's own "
            "resources (their arn outputs) count as its own; with none known yet, the check is skipped.",
            pattern="^[0-9]{12}$",
        ),
        "guardConditionKeys": string_list(
            ["aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:SourceOrgID", "aws:SourceOrgPaths"],
            "Condition keys (under a positive operator) that keep another account's access inside your organisation.",
        ),
        "exemptions": exemptions_schema(
            "Queues, topics, secrets, repositories, layer permissions (or their policy resources)"
        ),
    },
)


def _validate_cross_account(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, CROSS_ACCOUNT_SCHEMA)
    listed = set(settings["accountIds"])
    own = listed or stack_account_ids(args.resources)
    if not own:
        return
    outside = (
        "outside accountIds"
        if listed
        else f"outside this stack's accounts ({', '.join(sorted(own))}, from its resources' ARNs)"
    )
    guards = {key.lower() for key in settings["guardConditionKeys"]}
    guard_names = " or ".join(settings["guardConditionKeys"])
    unknowns: list[UnknownValueError] = []
    for resource in args.resources:
        if resource.resource_type not in POLICY_HOLDERS and resource.resource_type != LAYER_PERMISSION_TYPE:
            continue
        if exemption_reason(settings, resource.name, known_or_none(resource.props, "name")) is not None:
            continue
        try:
            problems = list(_cross_account_problems(resource, own, guards))
        except UnknownValueError as error:
            error.message += f' ("{resource.name}")'
            unknowns.append(error)
            continue
        for problem in problems:
            report_violation(
                f"{problem}, {outside}, without a condition on {guard_names}; add aws:PrincipalOrgID "
                "(your organisation's id), or add the account to accountIds if it is yours, or exempt "
                "the resource with a reason",
                resource.urn,
            )
    raise_first_unknown(unknowns)


def _cross_account_problems(resource: Any, own: set[str], guards: set[str]) -> Iterator[str]:
    if resource.resource_type == LAYER_PERMISSION_TYPE:
        problem = _layer_problem(resource, own)
        if problem:
            yield problem
        return
    document = resource.props.get("policy")
    statements = [] if document in (None, "") else read_statements(document)
    for statement in statements or []:  # None: resource-policy-no-public-principal reports the document
        if statement.restricting_keys() & guards:
            continue
        where = f'{statement.label} of the {POLICY_HOLDERS[resource.resource_type]} of "{resource.name}"'
        for shown, account in foreign_accounts(statement, own):
            yield f"{where} lets in {shown} (account {account})"


def _layer_problem(resource: Any, own: set[str]) -> str | None:
    principal = resource.props.get("principal")
    account = principal_account(principal) if isinstance(principal, str) else None
    if account is None or account in own or known_or_none(resource.props, "organizationId"):
        return None
    return f'layer permission "{resource.name}" shares the layer with account {account}'


RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED = StackValidationPolicy(
    name="resource-policy-cross-account-guarded",
    description="A queue, topic, secret, repository or registry policy, or a layer permission, that lets in "
    "another account must keep it inside the organisation (aws:PrincipalOrgID).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps='Add "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-..."}} to the statement '
    "naming the other account (a layer permission: organization_id), or list the account in "
    "accountIds when it belongs to you.",
    config_schema=CROSS_ACCOUNT_SCHEMA,
    validate=_validate_cross_account,
)
