"""The token vending machine's contract: protected roles trust the TVM alone, with a SourceIdentity;
the TVM may assume nothing but the stack's protected roles, with that SourceIdentity. (Protected roles
are denied the TVM's own resources by policies/rules/tvm_guard.py; policies/tvm_roles.py finds the roles.)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies import tvm_roles
from policies.actions import granted_actions
from policies.attachments import Attachment, role_attachments, role_identity_documents
from policies.documents import Document, Statement, read_statements
from policies.props import known_or_none
from policies.resource_types import ROLE_TYPE
from policies.role_groups import distinct_documents
from policies.schemas import PARTIAL_INPUT
from policies.settings import policy_settings

REQUIRED_TRUST_ACTIONS = {"sts:assumerole", "sts:setsourceidentity"}
ALLOWED_TRUST_ACTIONS = REQUIRED_TRUST_ACTIONS | {"sts:tagsession"}
ASSUME_ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]


def _tvm_arns(args: StackValidationArgs, settings: dict[str, Any]) -> list[str]:
    arns = [r.props["arn"] for r in tvm_roles.tagged_roles(args, settings["tvmRoleTag"])]  # unknown: can't run yet
    return [a for a in arns if isinstance(a, str)] + list(settings["tvmRoleArns"])


def _source_identity_ok(statement: Statement, prefix: str) -> bool:
    expected = f"{prefix}.*"
    for operator, block in statement.conditions.items():
        if operator != "StringLike":
            continue
        for key, value in block.items():
            if key.lower() == "sts:sourceidentity":
                values = value if isinstance(value, list) else [value]
                return values == [expected]
    return False


# --- protected-role-trusts-only-tvm ------------------------------------------------------


def _validate_protected(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, tvm_roles.SCHEMA)
    protected = tvm_roles.tagged_roles(args, settings["protectedRoleTag"])
    if not protected:
        return
    tvm_arns = _tvm_arns(args, settings)
    prefix = settings["sourceIdentityPrefix"]
    if not tvm_arns and settings[PARTIAL_INPUT]:
        return  # the TVM role may be an unchanged resource the input leaves out
    for role in protected:
        for problem in _trust_problems(role, tvm_arns, prefix, settings):
            report_violation(f'protected role "{role.name}": {problem}', role.urn)


def _trust_problems(role: PolicyResource, tvm_arns: list[str], prefix: str, settings: dict[str, Any]) -> Iterable[str]:
    if not tvm_arns:
        yield (
            f'no TVM role in the stack (a role tagged {settings["tvmRoleTag"]} = "true") and no tvmRoleArns; '
            "tag the TVM role or name its ARN in the pack config"
        )
        return
    document = role.props.get("assumeRolePolicy")
    statements = [] if document is None else read_statements(document)
    if statements is None:
        return  # iam-role-trust-no-wildcard reports a trust policy that does not parse
    allows = [s for s in statements if s.allows]
    if not allows:
        yield "the trust policy allows nobody; allow the TVM role"
    fix = (
        f"trust only the TVM role ({', '.join(tvm_arns)}) with sts:AssumeRole and sts:SetSourceIdentity "
        f'(and sts:TagSession) on condition StringLike sts:SourceIdentity "{prefix}.*"'
    )
    for statement in allows:
        principals = {(kind, p) for kind, ids in statement.principals.items() for p in ids}
        others = sorted(f"{p}" for kind, p in principals if not (kind == "AWS" and p in tvm_arns))
        if others or statement.not_principals or not principals:
            yield f"{statement.label} trusts {', '.join(others) or 'principals other than the TVM'}; {fix}"
        actions = {a.lower() for a in statement.actions}
        if statement.not_actions or actions - ALLOWED_TRUST_ACTIONS:
            extra = sorted(actions - ALLOWED_TRUST_ACTIONS) or ["NotAction"]
            yield f"{statement.label} allows {', '.join(extra)}; {fix}"
        missing = REQUIRED_TRUST_ACTIONS - actions
        if missing:
            yield f"{statement.label} lacks {', '.join(sorted(missing))}; {fix}"
        if not _source_identity_ok(statement, prefix):
            yield f'{statement.label} has no StringLike sts:SourceIdentity "{prefix}.*" condition; {fix}'


PROTECTED_ROLE_TRUSTS_ONLY_TVM = StackValidationPolicy(
    name="protected-role-trusts-only-tvm",
    description="A protected role must trust exactly the TVM role, with sts:AssumeRole and sts:SetSourceIdentity "
    'and a StringLike sts:SourceIdentity "<prefix>.*" condition, and nothing else.',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps='Make the protected role\'s trust policy one statement: Principal {"AWS": <TVM role ARN>}, '
    "Action [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession], Condition "
    '{"StringLike": {"sts:SourceIdentity": "sentinel.*"}} (components/iam.py builds it).',
    config_schema=tvm_roles.SCHEMA,
    validate=_validate_protected,
)


# --- tvm-role-assume-scope ---------------------------------------------------------------


def _validate_assume_scope(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, tvm_roles.SCOPE_SCHEMA)
    tvms = tvm_roles.tagged_roles(args, settings["tvmRoleTag"])
    if not tvms:
        return
    protected_arns = [r.props["arn"] for r in tvm_roles.tagged_roles(args, settings["protectedRoleTag"])]
    grants = tvm_roles.grants_or_none(tvms, args.resources)
    if settings[PARTIAL_INPUT]:  # a role ARN the input lacks may be an unchanged protected role
        documents = (
            distinct_documents(grants)
            if grants is not None
            else (d for tvm in tvms for d in role_identity_documents(tvm, args.resources))
        )
        protected_arns += _absent_role_arns(documents, args.resources)
    prefix = settings["sourceIdentityPrefix"]
    protected = set(protected_arns)
    shared: dict[frozenset[str], tuple[list[Any], list[Attachment]]] = {}
    for position, tvm in enumerate(tvms):
        if grants is None:  # read role by role: what is reported before an unknown value stays as it was
            problems: Iterable[Any] = _scope_problems(
                role_identity_documents(tvm, args.resources), protected_arns, protected, prefix
            )
            unchecked: Iterable[Attachment] = _unchecked(role_attachments(tvm, args.resources), settings)
        else:
            group = grants[position]
            if group.key not in shared:
                shared[group.key] = (
                    list(_scope_problems(group.shared.documents, protected_arns, protected, prefix)),
                    list(_unchecked(group.shared.attachments, settings)),
                )
            problems = [*shared[group.key][0], *_scope_problems(group.own.documents, protected_arns, protected, prefix)]
            unchecked = [*shared[group.key][1], *_unchecked(group.own.attachments, settings)]
        for source, document, statement, problem in problems:
            report_violation(
                f'TVM role "{tvm.name}", {statement.label} of {document.where} on "{source.name}": {problem}',
                source.urn,
            )
        for attachment in unchecked:
            report_violation(
                f'TVM role "{tvm.name}", {attachment.where} on "{attachment.source.name}" attaches '
                f"{attachment.arn}, a policy not declared in this stack whose sts:AssumeRole scope "
                "cannot be checked; detach it and grant the TVM role what it needs in a policy of "
                f"this stack (sts:AssumeRole only on the protected roles, on condition StringLike "
                f'sts:SourceIdentity "{prefix}.*")',
                attachment.source.urn,
            )


def _scope_problems(
    documents: Iterable[tuple[Any, Document]], protected_arns: list[str], protected: Collection[str], prefix: str
) -> Iterator[tuple[Any, Document, Statement, str]]:
    for source, document in documents:
        for statement in document.statements():
            problem = _scope_problem(statement, protected_arns, prefix, protected)
            if problem:
                yield source, document, statement, problem


def _unchecked(attachments: Iterable[Attachment], settings: dict[str, Any]) -> Iterator[Attachment]:
    """Attachments of policies not declared in this stack."""
    for attachment in attachments:
        if settings[PARTIAL_INPUT] and attachment.arn is not None and not _aws_managed(attachment.arn):
            continue  # the policy may be an unchanged resource the input leaves out
        if attachment.policy is None and attachment.arn is not None:
            yield attachment


def _absent_role_arns(documents: Iterable[tuple[Any, Document]], resources: list[PolicyResource]) -> list[str]:
    """Exact role ARNs the TVM's statements name that no role of the input has."""
    present = {known_or_none(r.props, "arn") for r in resources if r.resource_type == ROLE_TYPE}
    named = {
        resource for _, document in documents for statement in document.statements() for resource in statement.resources
    }
    return sorted(
        arn
        for arn in named
        if isinstance(arn, str) and ":role/" in arn and not any(c in arn for c in "*?") and arn not in present
    )


def _aws_managed(arn: str) -> bool:
    return ":iam::aws:policy/" in arn


def _scope_problem(
    statement: Statement, protected_arns: list[str], prefix: str, protected: Collection[str] | None = None
) -> str | None:
    if not statement.allows:
        return None
    if statement.not_actions:
        return (
            "NotAction with Allow lets the TVM assume any role; allow sts:AssumeRole on the protected roles' ARNs only"
        )
    assumes = granted_actions(statement.actions, ASSUME_ACTIONS)
    if not assumes:
        return None
    fix = (
        f"allow sts:AssumeRole only on the stack's protected roles ({', '.join(protected_arns) or 'none'}) "
        f'on condition StringLike sts:SourceIdentity "{prefix}.*"'
    )
    if statement.not_resources:
        return f"grants {', '.join(sorted(assumes))} with NotResource; {fix}"
    outside = [r for r in statement.resources if not _only_protected(r, protected or protected_arns)]
    if outside:
        return f"grants {', '.join(sorted(assumes))} on {', '.join(outside)}, not only protected roles; {fix}"
    if not _source_identity_ok(statement, prefix):
        return (
            f'grants {", ".join(sorted(assumes))} without a StringLike sts:SourceIdentity "{prefix}.*" condition; {fix}'
        )
    return None


def _only_protected(resource: str, protected_arns: Collection[str]) -> bool:
    """The resource names protected roles only: an exact ARN, or a pattern matching only protected ARNs
    (a pattern with a wildcard could match roles created later, so it must equal one protected ARN)."""
    return resource in protected_arns


TVM_ROLE_ASSUME_SCOPE = StackValidationPolicy(
    name="tvm-role-assume-scope",
    description="The TVM role may assume only the stack's protected roles, with the SourceIdentity condition.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Grant the TVM role sts:AssumeRole (with sts:SetSourceIdentity, sts:TagSession) on the "
    'protected roles\' ARNs only, never a wildcard, with Condition {"StringLike": '
    '{"sts:SourceIdentity": "sentinel.*"}}.',
    config_schema=tvm_roles.SCOPE_SCHEMA,
    validate=_validate_assume_scope,
)
