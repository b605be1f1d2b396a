"""tvm-protected-role-denies-tvm-resources: protected roles are denied the TVM's own tables and rules
parameters, whatever else they may do (policies/tvm_roles.py finds the roles)."""

from __future__ import annotations

from collections.abc import Iterable
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
from policies.actions import granted_actions, resource_matches
from policies.attachments import role_identity_documents
from policies.documents import Document, Statement
from policies.role_groups import distinct_documents
from policies.settings import policy_settings

GUARDED_SERVICES = ("dynamodb", "ssm")


def _validate_guard(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, tvm_roles.SCOPE_SCHEMA)
    tvms = tvm_roles.tagged_roles(args, settings["tvmRoleTag"])
    protected = tvm_roles.tagged_roles(args, settings["protectedRoleTag"])
    tvm_grants = tvm_roles.grants_or_none(tvms, args.resources)
    grants = tvm_roles.grants_or_none(protected, args.resources)
    if tvm_grants is None or grants is None:  # read role by role, failing where it always failed
        guarded = _tvm_resources(d for tvm in tvms for d in role_identity_documents(tvm, args.resources))
        for role in protected:
            _report_guard(role, guarded, _denials(role_identity_documents(role, args.resources)), report_violation)
        return
    guarded = _tvm_resources(distinct_documents(tvm_grants))
    undenied: dict[frozenset[str], list[tuple[str, str]]] = {}
    for group in grants:
        if group.key not in undenied:
            denials = _denials(group.shared.documents)
            undenied[group.key] = [
                (service, arn) for service, arn in sorted(guarded) if not _denied(denials, service, arn)
            ]
        _report_guard(group.role, undenied[group.key], _denials(group.own.documents), report_violation)


def _denials(documents: Iterable[tuple[Any, Document]]) -> list[Statement]:
    return [s for _, document in documents for s in document.statements() if not s.allows and not s.not_resources]


def _report_guard(
    role: PolicyResource,
    guarded: Iterable[tuple[str, str]],
    denials: list[Statement],
    report_violation: ReportViolation,
) -> None:
    missing = sorted(arn for service, arn in guarded if not _denied(denials, service, arn))
    if missing:
        report_violation(
            f'protected role "{role.name}" is not denied the TVM\'s own resources '
            f"{', '.join(missing)}: credentials it vends could read session records or rewrite "
            "access rules; add a Deny of dynamodb:* and ssm:* on them (components/tvm.py "
            "TvmResources does)",
            role.urn,
        )


def _tvm_resources(documents: Iterable[tuple[Any, Document]]) -> set[tuple[str, str]]:
    """(service, ARN) of every DynamoDB and SSM resource the TVM role's documents grant."""
    found = set()
    for _, document in documents:
        for statement in document.statements():
            if not statement.allows:
                continue
            for service in GUARDED_SERVICES:
                if granted_actions(statement.actions, [f"{service}:*"]):
                    found |= {(service, r) for r in statement.resources if isinstance(r, str) and r != "*"}
    return found


def _denied(denials: list[Statement], service: str, arn: str) -> bool:
    every = f"{service}:*"
    return any(
        {a.lower() for a in s.actions} & {every, "*"} and any(resource_matches(r, arn) for r in s.resources)
        for s in denials
    )


TVM_PROTECTED_ROLE_DENIES_TVM_RESOURCES = StackValidationPolicy(
    name="tvm-protected-role-denies-tvm-resources",
    description="A protected role is explicitly denied the TVM's own DynamoDB tables and SSM rules parameters.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Give every protected role an inline policy with Deny dynamodb:* on the TVM's tables "
    "(and <table>/*) and Deny ssm:* on the rules parameter path (and <path>/*): a profile "
    "granted ReadOnlyAccess could otherwise scan the sessions table.",
    config_schema=tvm_roles.SCOPE_SCHEMA,
    validate=_validate_guard,
)
