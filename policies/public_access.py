"""Who a resource policy lets in: Allows to anyone without a restricting condition, and other accounts.

Shared by the resource-policy rules (REST APIs, KMS keys, queues, topics, secrets, repositories, layers).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.documents import Statement, statements_or_report
from policies.exemptions import is_exempt

# A principal that names an account: the 12-digit id, or an IAM/STS ARN in that account.
_ACCOUNT_PRINCIPAL = re.compile(r"(\d{12})|arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):.*")
# Condition keys whose values are account ids, or ARNs naming an account.
ACCOUNT_VALUED_KEYS = ("aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount")
ARN_VALUED_KEYS = ("aws:principalarn", "aws:sourcearn")
_ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):.*")


def principal_account(principal: str) -> str | None:
    """The account a principal (``123456789012``, ``arn:aws:iam::123456789012:role/x``) belongs to."""
    match = _ACCOUNT_PRINCIPAL.fullmatch(principal)
    return (match.group(1) or match.group(2)) if match else None


def policy_statements(
    args: ResourceValidationArgs,
    what: str,
    report_violation: ReportViolation,
    settings: Mapping[str, Any] | None = None,
) -> list[Statement] | None:
    """The statements of the resource's ``policy`` input; None when it has none, an exemption in ``settings``
    (a policy with exemptions) names the resource, or it does not parse (reported; ``what``: 'the key policy
    of "k"')."""
    document = args.props.get("policy")
    if document in (None, "") or (settings is not None and is_exempt(settings, args)):
        return None
    return statements_or_report(document, what, report_violation)


def unrestricted_public_allows(statements: list[Statement], keys: Iterable[str]) -> Iterator[Statement]:
    """The Allows to anyone (see ``Statement.is_public``) that no restricting condition on one of ``keys``
    narrows: neither on the statement itself (a positive operator, see ``Statement.restricting_keys``) nor
    as a "Deny ``*`` unless" statement (a negated operator) whose actions and resources cover the Allow's."""
    wanted = {key.lower() for key in keys}
    denials = [s for s in statements if s.effect == "Deny" and s.is_public and s.restricting_keys() & wanted]
    for statement in statements:
        if (
            statement.allows
            and statement.is_public
            and not statement.restricting_keys() & wanted
            and not any(_covers(deny, statement) for deny in denials)
        ):
            yield statement


def not_principal_allows(statements: list[Statement]) -> Iterator[Statement]:
    """Allows with NotPrincipal: they let in every principal they do not list."""
    return (s for s in statements if s.allows and s.not_principals)


def foreign_accounts(statement: Statement, own_accounts: set[str]) -> list[tuple[str, str]]:
    """``(principal or condition value, account)`` for each account outside ``own_accounts`` an Allow lets in:
    its AWS principals, and for a public Allow, the accounts its account or ARN conditions name."""
    if not statement.allows:
        return []
    found = [(p, principal_account(p)) for p in statement.principals.get("AWS", [])]
    if statement.is_public:
        for key in ACCOUNT_VALUED_KEYS + ARN_VALUED_KEYS:
            for value in statement.restricting_values(key) or []:
                if isinstance(value, str):
                    found.append((f"{key} {value}", _condition_account(key, value)))
    return [(shown, account) for shown, account in found if account and account not in own_accounts]


def _condition_account(key: str, value: str) -> str | None:
    if key in ACCOUNT_VALUED_KEYS:
        return value if re.fullmatch(r"\d{12}", value) else None
    match = _ARN_ACCOUNT.fullmatch(value)
    return match.group(1) if match else None


def _covers(deny: Statement, allow: Statement) -> bool:
    """Whether a "Deny * unless" applies to every action and resource the Allow grants."""
    if deny.not_actions or deny.not_resources or allow.not_actions or allow.not_resources:
        return False
    return _all_matched(allow.actions, deny.actions, case_sensitive=False) and _all_matched(
        allow.resources, deny.resources, case_sensitive=True
    )


def _all_matched(granted: list[str], patterns: list[str], case_sensitive: bool) -> bool:
    """Every granted value (a pattern itself, compared literally) falls under one of ``patterns``."""
    if not case_sensitive:
        granted, patterns = [g.lower() for g in granted], [p.lower() for p in patterns]
    return bool(granted) and all(any(fnmatch.fnmatchcase(g, p) for p in patterns) for g in granted)
