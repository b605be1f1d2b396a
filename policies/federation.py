"""Federated trust: which token claims an identity provider's trust statement must pin.

Any OIDC provider's tokens go to everyone who can run a workflow or pipeline there: a role that
trusts GitHub Actions' provider without a ``sub`` condition can be assumed from every repository
on github.com. For the common issuers the claims that name *whose* token it is must be
conditioned, with values that pin the owner (GitHub's ``repo:<org>/<repo>:...``, GitLab's
``project_path:<group>/<project>:...``, Terraform Cloud's ``organization:<org>:...``, an EKS
service account's ``system:serviceaccount:<namespace>:...``); any other federated principal (an
unknown OIDC issuer, SAML) needs at least one restricting condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from policies.documents import Statement

_PROVIDER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(?P<host>.+)")


@dataclass(frozen=True)
class Issuer:
    name: str
    host: re.Pattern[str]  # the provider's host (and path), as in its condition keys
    claims: dict[str, str | None]  # claim → regex each value must match (None: any but a wildcard)
    example: dict[str, str]


# Claim keys as AWS documents them: <provider host and path>:<claim>.
ISSUERS = [
    Issuer(
        "GitHub Actions",
        re.compile(r"token\.actions\.githubusercontent\.com(/[^:]+)?"),
        {"aud": None, "sub": r"repo:[^*?/:]+/[^*?/:]+(:.*)?"},
        {"aud": "sts.amazonaws.com", "sub": "repo:<org>/<repo>:ref:refs/heads/main"},
    ),
    Issuer(
        "GitLab",
        re.compile(r"gitlab\.com"),
        {"aud": None, "sub": r"project_path:[^*?:/]+(/[^*?:/]+)+(:.*)?"},
        {"aud": "https://gitlab.com", "sub": "project_path:<group>/<project>:ref_type:branch:ref:main"},
    ),
    Issuer(
        "Terraform Cloud",
        re.compile(r"app\.terraform\.io"),
        {"aud": None, "sub": r"organization:[^*?:]+:.*"},
        {"aud": "aws.workload.identity", "sub": "organization:<org>:project:<project>:workspace:<ws>:run_phase:*"},
    ),
    Issuer(
        "EKS (IRSA)",
        re.compile(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[A-Za-z0-9]+"),
        {"sub": r"system:serviceaccount:[^*?:]+:.+"},
        {"sub": "system:serviceaccount:<namespace>:<service account>"},
    ),
    Issuer("Google", re.compile(r"accounts\.google\.com"), {"aud": None}, {"aud": "<OAuth client id>"}),
    Issuer(
        "Cognito identity pools",
        re.compile(r"cognito-identity\.amazonaws\.com"),
        {"aud": None},
        {"aud": "<identity pool id>"},
    ),
]


def federated_problems(statement: Statement) -> Iterator[str]:
    """What the Allow ``statement``'s federated principals leave open."""
    for principal in statement.principals.get("Federated", []):
        host = _host(principal)
        issuer = next((i for i in ISSUERS if host is not None and i.host.fullmatch(host)), None)
        if issuer is None:
            if not statement.restricting_keys():
                yield (
                    f"{statement.label} trusts the federated principal {principal} without any condition, so "
                    "every identity it vouches for can assume the role; add a condition on the token's "
                    "audience and subject (for SAML: SAML:aud)"
                )
            continue
        yield from _claim_problems(statement, principal, host or "", issuer)


def _host(principal: str) -> str | None:
    match = _PROVIDER_ARN.fullmatch(principal)
    if match:
        return match["host"]
    return principal if "." in principal and ":" not in principal else None  # cognito-identity.amazonaws.com


def _claim_problems(statement: Statement, principal: str, host: str, issuer: Issuer) -> Iterator[str]:
    for claim, pin in issuer.claims.items():
        key = f"{host}:{claim}"
        values = statement.restricting_values(key)
        shown = f'"{key}": "{issuer.example[claim]}"'
        if values is None:
            yield (
                f"{statement.label} trusts {issuer.name} ({principal}) without a condition on {claim}, so any "
                f"token that issuer signs can assume the role; add a StringEquals/StringLike condition {shown}"
            )
            continue
        loose = [
            v
            for v in values
            if not isinstance(v, str) or _only_wildcards(v) or (pin is not None and not re.fullmatch(pin, v))
        ]
        if loose:
            yield (
                f'{statement.label} trusts {issuer.name} ({principal}) for {claim} "{loose[0]}", which does not '
                f"pin whose token it is; condition it like {shown}"
            )


def _only_wildcards(value: str) -> bool:
    return set(value) <= {"*", "?"}
