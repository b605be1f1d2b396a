"""Lambda execution roles must be auto-named.

A recreated auto-named role gets a new ARN, which updates every function that uses it and so
renews the function's KMS grant. A fixed name keeps the ARN, and the functions keep a grant
for a role that no longer exists.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.autonames import DEFAULT_PATTERN, PATTERN_SYNTAX, autoname_regex
from policies.props import is_set, known_or_none
from policies.resource_types import FUNCTION_TYPE, ROLE_TYPE, resources_of
from policies.schemas import string_list
from policies.settings import policy_settings
from policies.stacks import stack_of

AUTONAMED_SCHEMA = PolicyConfigSchema(
    properties={
        "autonamePatterns": string_list(
            [DEFAULT_PATTERN],
            "Names Pulumi generates, as in Pulumi's autonaming config: text and ${name}, ${project}, ${stack}, "
            "${organization}, ${uuid}, ${hex(n)}, ${alphanum(n)}, ${string(n)}, ${num(n)}, ${config.<key>}. "
            "A role whose name one of them generates counts as auto-named.",
            pattern=PATTERN_SYNTAX,
        ),
    },
)


def _validate_autonamed(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    roles = resources_of(args, ROLE_TYPE)
    patterns = policy_settings(args, AUTONAMED_SCHEMA)["autonamePatterns"]
    for function in resources_of(args, FUNCTION_TYPE):
        for role in _execution_roles(function, roles):
            fixed_name = _fixed_name(role, patterns)
            if fixed_name is not None:
                report_violation(
                    f'role "{role.name}" (execution role of function "{function.name}") has the fixed '
                    f'name "{fixed_name}"; leave name unset so Pulumi auto-names it (a project with its own '
                    f"autonaming pattern lists it in autonamePatterns)",
                    role.urn,
                )


def _execution_roles(function: PolicyResource, roles: list[PolicyResource]) -> Iterator[PolicyResource]:
    linked = [r for r in function.property_dependencies.get("role", []) if r.resource_type == ROLE_TYPE]
    if linked:
        yield from linked
        return
    role_arn = function.props.get("role")
    yield from (r for r in roles if known_or_none(r.props, "arn") == role_arn)


def _fixed_name(role: PolicyResource, patterns: list[str]) -> str | None:
    if is_set(role.props, "namePrefix"):
        return None
    name = role.props.get("name")
    if name is None or _generated(name, role, patterns):
        return None
    return name


def _generated(name: str, role: PolicyResource, patterns: list[str]) -> bool:
    stack = stack_of(role.urn)
    project = role.urn.removeprefix("urn:pulumi:").split("::")[1] if role.urn.count("::") >= 2 else ""
    return any(autoname_regex(p, role.name, stack, project).fullmatch(name) for p in patterns)


EXECUTION_ROLE_AUTONAMED = StackValidationPolicy(
    name="lambda-execution-role-autonamed",
    description="Lambda execution roles must be auto-named (no fixed name), so a recreated role "
    "gets a new ARN and its functions are updated.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Remove name= from the role (or use namePrefix) so Pulumi auto-names it; a recreated "
    "role then gets a new ARN, its functions are updated and Lambda renews its KMS grant; a "
    "project with its own autonaming pattern lists it in autonamePatterns.",
    config_schema=AUTONAMED_SCHEMA,
    validate=_validate_autonamed,
)
