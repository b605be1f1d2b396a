"""Role trust policies must name who may assume the role, and guard other accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator

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

from policies.documents import Statement, raise_first_unknown, statements_or_report, trust_document
from policies.federation import federated_problems
from policies.public_access import principal_account
from policies.resource_types import ROLE_TYPE, applies_to, resources_of
from policies.schemas import string_list
from policies.settings import policy_settings
from policies.stacks import stack_account_ids

WILDCARD_ACTIONS = {"*", "sts:*"}
CROSS_ACCOUNT_GUARDS = {"sts:externalid", "aws:principalorgid"}

TRUST_WILDCARD_SCHEMA = PolicyConfigSchema(
    properties={
        "accountIds": string_list(
            [],
            "This organisation's own AWS account ids. A principal in any other account needs an "
            "sts:ExternalId or aws:PrincipalOrgID condition. While the list is empty, the accounts in the "
            "ARNs of the stack's own resources (their arn outputs) count as its own; with none known yet, "
            "the cross-account check is skipped.",
            pattern="^[0-9]{12}$",
        ),
    },
)


def _validate_trust_wildcard(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, TRUST_WILDCARD_SCHEMA)
    listed = set(settings["accountIds"])
    own_accounts = listed or stack_account_ids(args.resources)
    unknowns: list[UnknownValueError] = []
    for role in resources_of(args, ROLE_TYPE):
        try:
            document = role.props.get("assumeRolePolicy")
        except UnknownValueError as error:
            error.message += f' (role "{role.name}")'
            unknowns.append(error)
            continue
        if document is None:
            continue
        statements = statements_or_report(document, "assumeRolePolicy", report_violation, role.urn)
        for problem in _role_problems(statements or [], own_accounts, bool(listed)):
            report_violation(problem, role.urn)
    raise_first_unknown(unknowns)


def _role_problems(statements: list[Statement], own_accounts: set[str], listed: bool) -> Iterator[str]:
    for statement in statements:
        if statement.allows:
            yield from _problems(statement, own_accounts, listed)


def _problems(statement: Statement, own_accounts: set[str], listed: bool) -> Iterator[str]:
    yield from _wildcard_principal(statement)
    yield from _not_principal(statement)
    yield from _wildcard_action(statement)
    yield from _not_action(statement)
    yield from federated_problems(statement)
    if own_accounts:
        yield from _unguarded_foreign_accounts(statement, own_accounts, listed)


def _wildcard_principal(statement: Statement) -> Iterator[str]:
    for kind, ids in statement.principals.items():
        if "*" in ids:
            shown = '"*"' if kind == "AWS" else f'{kind} "*"'
            yield (
                f"{statement.label} trusts any principal ({shown}); name the roles, accounts or services "
                "that may assume the role"
            )


def _not_principal(statement: Statement) -> Iterator[str]:
    if statement.not_principals:
        yield (
            f"{statement.label} uses NotPrincipal with Allow, which trusts every principal it does not list; "
            "list the trusted principals in Principal instead"
        )


def _wildcard_action(statement: Statement) -> Iterator[str]:
    for action in statement.actions:
        if action.lower() in WILDCARD_ACTIONS:
            yield f'{statement.label} allows action "{action}"; name the sts actions the role needs'


def _not_action(statement: Statement) -> Iterator[str]:
    if statement.not_actions:
        yield (
            f"{statement.label} uses NotAction with Allow, which allows every action it does not list; "
            "list the sts actions in Action instead"
        )


def _unguarded_foreign_accounts(statement: Statement, own_accounts: set[str], listed: bool) -> Iterator[str]:
    if statement.restricting_keys() & CROSS_ACCOUNT_GUARDS:
        return
    outside = (
        "outside accountIds"
        if listed
        else f"outside this stack's account{'s' if len(own_accounts) > 1 else ''} ({', '.join(sorted(own_accounts))}, "
        "from its resources' ARNs)"
    )
    for principal in statement.principals.get("AWS", []):
        account = principal_account(principal)
        if account and account not in own_accounts:
            yield (
                f"{statement.label} trusts {principal} in account {account}, {outside}, "
                f"without an sts:ExternalId or aws:PrincipalOrgID condition; add one (or add the account "
                f"to accountIds if it is yours)"
            )


TRUST_NO_WILDCARD = StackValidationPolicy(
    name="iam-role-trust-no-wildcard",
    description="IAM role trust policies must not trust any principal, allow every action, or trust "
    "another account without an external id or organisation condition.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Name the exact principals that may assume the role (a role ARN or a service), allow "
    "only the sts actions they need, and condition another account's principal on "
    "sts:ExternalId or aws:PrincipalOrgID.",
    config_schema=TRUST_WILDCARD_SCHEMA,
    validate=_validate_trust_wildcard,
)


# --- confused deputy ------------------------------------------------------------------------

DEPUTY_SCHEMA = PolicyConfigSchema(
    properties={
        "servicePrincipals": string_list(
            # Services that act for many accounts with a role a customer hands them. Not lambda,
            # ec2 or ecs-tasks: they assume a role only for this account's own function/instance/task.
            [
                "apigateway.amazonaws.com",
                "cloudtrail.amazonaws.com",
                "config.amazonaws.com",
                "delivery.logs.amazonaws.com",
                "events.amazonaws.com",
                "firehose.amazonaws.com",
                "logs.amazonaws.com",
                "pipes.amazonaws.com",
                "scheduler.amazonaws.com",
                "sns.amazonaws.com",
                "states.amazonaws.com",
                "s3.amazonaws.com",
                "backup.amazonaws.com",
                "ssm.amazonaws.com",
            ],
            "Service principals that act for other accounts. logs.amazonaws.com also matches regional "
            "forms (logs.<region>.amazonaws.com).",
        ),
        "guardConditionKeys": string_list(
            ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths"],
            "Condition keys that tie the service's request to this account's resources.",
        ),
    },
)


@applies_to(ROLE_TYPE)
def _validate_service_conditions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    trust = trust_document(args.resource_type, args.props)
    if trust is None:
        return
    settings = policy_settings(args, DEPUTY_SCHEMA)
    guards = {key.lower() for key in settings["guardConditionKeys"]}
    for statement in trust.statements():
        if not statement.allows or statement.restricting_keys() & guards:
            continue
        for service in statement.principals.get("Service", []):
            if _acts_for_others(service, settings["servicePrincipals"]):
                report_violation(
                    f"{statement.label} lets {service} assume the role for any account's resources "
                    f"(confused deputy); add a condition on aws:SourceAccount (this account) or aws:SourceArn "
                    f"(the resource that uses the role)"
                )


def _acts_for_others(service: str, listed: list[str]) -> bool:
    for entry in listed:
        prefix, _, domain = entry.partition(".")
        if service == entry or re.fullmatch(re.escape(prefix) + r"\.[a-z0-9-]+\." + re.escape(domain), service):
            return True
    return False


TRUST_SERVICE_CONDITIONS = ResourceValidationPolicy(
    name="iam-role-trust-service-conditions",
    description="A role trusted by a service that acts for other accounts must condition the trust on "
    "aws:SourceAccount or aws:SourceArn (confused deputy).",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps='Add "Condition": {"StringEquals": {"aws:SourceAccount": "<account>"}} or '
    '{"ArnLike": {"aws:SourceArn": "<resource ARN>"}} to the statement trusting the service.',
    config_schema=DEPUTY_SCHEMA,
    validate=_validate_service_conditions,
)
