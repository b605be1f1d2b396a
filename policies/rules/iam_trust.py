"""Role trust policies must name who may assume the role, and guard other accounts."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.documents import PolicyDocumentError, Statement, parse_policy_document
from policies.settings import policy_settings

ROLE_TYPE = "aws:iam/role:Role"
WILDCARD_ACTIONS = {"*", "sts:*"}
CROSS_ACCOUNT_GUARDS = {"sts:externalid", "aws:principalorgid"}
_ACCOUNT_ID = re.compile(r"(\d{12})|arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):.*")

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "accountIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": [],
            "description": "This organisation's own AWS account ids. A principal in any other "
                           "account needs an sts:ExternalId or aws:PrincipalOrgID condition. "
                           "While the list is empty, that cross-account check is skipped.",
        },
    },
)


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != ROLE_TYPE:
        return
    document = args.props.get("assumeRolePolicy")
    if document is None:
        return
    try:
        statements = parse_policy_document(document)
    except PolicyDocumentError as error:
        report_violation(f"assumeRolePolicy is not a valid policy document: {error}")
        return
    own_accounts = set(policy_settings(args, CONFIG_SCHEMA)["accountIds"])
    for statement in statements:
        if statement.allows:
            for problem in _problems(statement, own_accounts):
                report_violation(problem)


def _problems(statement: Statement, own_accounts: set[str]) -> Iterator[str]:
    yield from _wildcard_principal(statement)
    yield from _not_principal(statement)
    yield from _wildcard_action(statement)
    yield from _not_action(statement)
    if own_accounts:
        yield from _unguarded_foreign_accounts(statement, own_accounts)


def _wildcard_principal(statement: Statement) -> Iterator[str]:
    for kind, ids in statement.principals.items():
        if "*" in ids:
            shown = '"*"' if kind == "AWS" else f'{kind} "*"'
            yield f"{statement.label} trusts any principal ({shown})"


def _not_principal(statement: Statement) -> Iterator[str]:
    if statement.not_principals:
        yield f"{statement.label} uses NotPrincipal with Allow, which trusts every principal it does not list"


def _wildcard_action(statement: Statement) -> Iterator[str]:
    for action in statement.actions:
        if action.lower() in WILDCARD_ACTIONS:
            yield f'{statement.label} allows action "{action}"; name the sts actions the role needs'


def _not_action(statement: Statement) -> Iterator[str]:
    if statement.not_actions:
        yield f"{statement.label} uses NotAction with Allow, which allows every action it does not list"


def _unguarded_foreign_accounts(statement: Statement, own_accounts: set[str]) -> Iterator[str]:
    if statement.condition_keys() & CROSS_ACCOUNT_GUARDS:
        return
    for principal in statement.principals.get("AWS", []):
        account = _account_of(principal)
        if account and account not in own_accounts:
            yield (f"{statement.label} trusts {principal} in account {account}, outside accountIds, "
                   f"without an sts:ExternalId or aws:PrincipalOrgID condition")


def _account_of(principal: str) -> Optional[str]:
    match = _ACCOUNT_ID.fullmatch(principal)
    return (match.group(1) or match.group(2)) if match else None


TRUST_NO_WILDCARD = ResourceValidationPolicy(
    name="iam-role-trust-no-wildcard",
    description="IAM role trust policies must not trust any principal, allow every action, or trust "
                "another account without an external id or organisation condition.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG_SCHEMA,
    validate=_validate,
)
