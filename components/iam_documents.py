"""IAM documents as plain data: statements, their builders, and one serialisation.

No Pulumi import here, so commands that build a document outside a Pulumi program (the KMS
doctor's temporary trust policy) stay free of the SDK; ``components.iam`` adds the
Pulumi-aware ``policy_document`` on top and re-exports these names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: a statement may hold Pulumi inputs (ARNs of other resources)
    import pulumi

POLICY_VERSION = "2012-10-17"
Conditions = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Statement:
    """One statement: identity policies name resources, trust policies principals,
    resource policies (key, repository, API) both."""

    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]] = ()
    principals: Mapping[str, Sequence[pulumi.Input[str]]] = field(default_factory=dict)
    conditions: Conditions = field(default_factory=dict)
    effect: str = "Allow"
    sid: str | None = None

    def __post_init__(self) -> None:
        if not self.actions:
            raise ValueError("a statement needs at least one action")
        if not self.resources and not self.principals:
            raise ValueError("a statement names resources, principals, or both (resource policies)")

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Effect": self.effect, "Action": sorted(set(self.actions))}
        if self.sid:
            body["Sid"] = self.sid
        if self.resources:
            body["Resource"] = list(self.resources)
        if self.principals:
            body["Principal"] = {kind: list(values) for kind, values in self.principals.items()}
        if self.conditions:
            body["Condition"] = {op: dict(values) for op, values in self.conditions.items()}
        return body


def allow(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    conditions: Conditions | None = None,
    sid: str | None = None,
) -> Statement:
    """An identity-policy statement granting ``actions`` on ``resources``."""
    return Statement(actions=actions, resources=resources, conditions=conditions or {}, sid=sid)


def service_trust(service: str, conditions: Conditions | None = None) -> Statement:
    """Trust one AWS service principal, e.g. ``lambda.amazonaws.com``."""
    return Statement(actions=["sts:AssumeRole"], principals={"Service": [service]}, conditions=conditions or {})


def web_identity_trust(
    provider_arn: pulumi.Input[str], issuer_url: str, audience: str, subjects: Sequence[str]
) -> Statement:
    """Trust tokens of one OIDC provider for one audience and the named subjects.

    The condition keys are the issuer without its scheme (``oidc.fly.io/org:aud``). Subjects are
    matched with StringEquals, or all with StringLike when one has ``*`` or ``?`` (two
    operators on one key would be ANDed, not ORed).
    """
    if not subjects:
        raise ValueError("web-identity trust needs at least one subject")
    issuer = issuer_url.removeprefix("https://").rstrip("/")
    conditions: dict[str, dict[str, Any]] = {"StringEquals": {f"{issuer}:aud": audience}}
    if any("*" in s or "?" in s for s in subjects):
        conditions["StringLike"] = {f"{issuer}:sub": list(subjects)}
    else:
        conditions["StringEquals"][f"{issuer}:sub"] = list(subjects)
    return Statement(
        actions=["sts:AssumeRoleWithWebIdentity"], principals={"Federated": [provider_arn]}, conditions=conditions
    )


def role_trust(
    principal_arns: Sequence[pulumi.Input[str]], actions: Sequence[str], conditions: Conditions | None = None
) -> Statement:
    """Trust specific IAM principals (by ARN), never an account or ``*``."""
    return Statement(actions=actions, principals={"AWS": principal_arns}, conditions=conditions or {})


def resource_grant(
    principals: Mapping[str, Sequence[pulumi.Input[str]]],
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    conditions: Conditions | None = None,
    sid: str | None = None,
) -> Statement:
    """A resource-policy statement: ``principals`` may do ``actions`` on ``resources``."""
    return Statement(actions=actions, resources=resources, principals=principals, conditions=conditions or {}, sid=sid)


def deny_all_principals_but(
    principal_arns: Sequence[pulumi.Input[str]],
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    sid: str | None = None,
) -> Statement:
    """A resource-policy Deny of ``actions`` to every principal whose ARN is not listed.

    ``aws:PrincipalArn`` is the role's ARN for its sessions too, so listed roles pass."""
    return Statement(
        actions=actions,
        resources=resources,
        principals={"AWS": ["*"]},
        effect="Deny",
        conditions={"StringNotEquals": {"aws:PrincipalArn": list(principal_arns)}},
        sid=sid,
    )


def document(statements: Sequence[Statement]) -> dict[str, Any]:
    """``{"Version", "Statement"}`` of ``statements``, not yet serialised (values may be Pulumi inputs)."""
    if not statements:
        raise ValueError("a policy document needs at least one statement")
    return {"Version": POLICY_VERSION, "Statement": [s.to_dict() for s in statements]}


def plain_policy_document(statements: Sequence[Statement]) -> str:
    """The document for callers outside a Pulumi program (the CLI): plain strings only."""
    return serialise(document(statements))


def serialise(policy: Mapping[str, Any]) -> str:
    """Sorted keys, no blanks: an unchanged policy never shows a diff."""
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))
