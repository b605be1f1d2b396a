"""Lambda execution roles must be auto-named.

A recreated auto-named role gets a new ARN, which updates every function that uses it and so
renews the function's KMS grant. A fixed name keeps the ARN, and the functions keep a grant
for a role that no longer exists.
"""

from __future__ import annotations

from typing import Iterator, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
    Severity,
)

from policies.autonames import is_autoname
from policies.common import FUNCTION_TYPE, ROLE_TYPE
from policies.props import is_set, known_or_none


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    roles = [r for r in args.resources if r.resource_type == ROLE_TYPE]
    for function in (r for r in args.resources if r.resource_type == FUNCTION_TYPE):
        for role in _execution_roles(function, roles):
            fixed_name = _fixed_name(role)
            if fixed_name is not None:
                report_violation(
                    f'role "{role.name}" (execution role of function "{function.name}") has the fixed '
                    f'name "{fixed_name}"; leave name unset so Pulumi auto-names it',
                    role.urn,
                )


def _execution_roles(function: PolicyResource, roles: list[PolicyResource]) -> Iterator[PolicyResource]:
    linked = [r for r in function.property_dependencies.get("role", []) if r.resource_type == ROLE_TYPE]
    if linked:
        yield from linked
        return
    role_arn = function.props.get("role")
    yield from (r for r in roles if known_or_none(r.props, "arn") == role_arn)


def _fixed_name(role: PolicyResource) -> Optional[str]:
    if is_set(role.props, "namePrefix"):
        return None
    name = role.props.get("name")
    if name is None or is_autoname(name, role.name):
        return None
    return name


EXECUTION_ROLE_AUTONAMED = StackValidationPolicy(
    name="lambda-execution-role-autonamed",
    description="Lambda execution roles must be auto-named (no fixed name), so a recreated role "
                "gets a new ARN and its functions are updated.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Remove name= from the role (or use namePrefix) so Pulumi auto-names it; a recreated "
                      "role then gets a new ARN, its functions are updated and Lambda renews its KMS grant.",
    validate=_validate,
)
