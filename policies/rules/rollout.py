"""A finished rollout leaves nothing behind: at 100 % nothing grants the verification role
lambda:InvokeFunction on the execution function (the direct path the rollout replaced).

Tag contract (set by the layers' components):
- the verification function: ``iam-platform:rollout-percent`` = "0".."100" (``rolloutPercentTag``);
- the execution function: ``iam-platform:role`` = "execution" (``executionFunctionTag`` =
  ``executionFunctionTagValue``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.actions import granted_actions, resource_matches
from policies.attachments import role_identity_documents
from policies.documents import Statement
from policies.props import known_or_none
from policies.resource_types import FUNCTION_TYPE, PERMISSION_TYPE, ROLE_TYPE, resources_of
from policies.settings import policy_settings
from policies.stacks import function_name, tags_of

INVOKE_ACTIONS = ["lambda:InvokeFunction", "lambda:InvokeAsync"]

CLEANUP_SCHEMA = PolicyConfigSchema(
    properties={
        "rolloutPercentTag": {
            "type": "string",
            "default": "iam-platform:rollout-percent",
            "description": "Tag on the verification function: the rollout percentage, 0-100.",
        },
        "executionFunctionTag": {
            "type": "string",
            "default": "iam-platform:role",
            "description": "Tag key that marks the execution function.",
        },
        "executionFunctionTagValue": {
            "type": "string",
            "default": "execution",
            "description": "Value of executionFunctionTag on the execution function.",
        },
    },
)


def _validate_cleanup(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, CLEANUP_SCHEMA)
    functions = resources_of(args, FUNCTION_TYPE)
    executions = [
        f
        for f in functions
        if tags_of(f.props).get(settings["executionFunctionTag"]) == settings["executionFunctionTagValue"]
    ]
    for verification in functions:
        percent = tags_of(verification.props).get(settings["rolloutPercentTag"])
        if percent is None:
            continue
        if not (percent.isdigit() and 0 <= int(percent) <= 100):
            report_violation(
                f'function "{verification.name}" has {settings["rolloutPercentTag"]} = "{percent}"; '
                "the tag must be a whole number from 0 to 100",
                verification.urn,
            )
            continue
        if int(percent) != 100 or not executions:
            continue
        for role in _roles_of(verification, args.resources):
            for execution in executions:
                for urn, message in _leftovers(role, execution, args.resources):
                    report_violation(
                        f'rollout of "{verification.name}" is at 100 % but {message}; the direct-invoke path is '
                        "no longer used: remove it (the layers component drops it at 100 %)",
                        urn,
                    )


def _roles_of(function: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    linked = [r for r in function.property_dependencies.get("role", []) if r.resource_type == ROLE_TYPE]
    if linked:
        return linked
    role_arn = known_or_none(function.props, "role")
    if role_arn is None:  # unknown at preview: None would match every role whose ARN is unknown too
        return []
    return [r for r in resources if r.resource_type == ROLE_TYPE and known_or_none(r.props, "arn") == role_arn]


def _function_refs(function: PolicyResource) -> set[str]:
    return {
        v
        for v in (known_or_none(function.props, k) for k in ("arn", "name", "id", "qualifiedArn", "invokeArn"))
        if isinstance(v, str) and v
    }


def _leftovers(
    role: PolicyResource, execution: PolicyResource, resources: list[PolicyResource]
) -> Iterator[tuple[str, str]]:
    role_refs = {v for v in (known_or_none(role.props, "arn"), role.name) if isinstance(v, str) and v}
    refs = _function_refs(execution)
    # 1. a resource-based permission on the execution function for the verification role
    for permission in resources:
        if permission.resource_type != PERMISSION_TYPE:
            continue
        targets = _linked(permission, "function", execution) or _names_function(
            known_or_none(permission.props, "function"), refs
        )
        principal = known_or_none(permission.props, "principal")  # unknown never equals an unknown role ARN
        for_role = _linked(permission, "principal", role) or (isinstance(principal, str) and principal in role_refs)
        action = known_or_none(permission.props, "action")
        if targets and for_role and isinstance(action, str) and granted_actions([action], INVOKE_ACTIONS):
            yield (
                permission.urn,
                (f'permission "{permission.name}" still lets role "{role.name}" invoke "{execution.name}"'),
            )
    # 2. an identity policy of the verification role allowing invoke on the execution function
    arn = known_or_none(execution.props, "arn")
    name = known_or_none(execution.props, "name")
    partition = _partition(known_or_none(role.props, "arn")) or _partition(known_or_none(execution.props, "role"))
    for source, document in role_identity_documents(role, resources):
        for statement in document.statements():
            if not statement.allows or not _grants_invoke(statement):
                continue
            if statement.not_resources:
                matches = [_matches(r, arn, name, partition, exact=True) for r in statement.not_resources]
                covering = (
                    [] if True in matches or None in matches else [f"NotResource {', '.join(statement.not_resources)}"]
                )
            else:
                covering = [r for r in statement.resources if _matches(r, arn, name, partition)]
            if covering:
                yield (
                    source.urn,
                    (
                        f'{statement.label} of {document.where} on "{source.name}" still grants role '
                        f'"{role.name}" lambda:InvokeFunction on "{execution.name}" ({covering[0]})'
                    ),
                )


def _linked(resource: PolicyResource, key: str, target: PolicyResource) -> bool:
    return any(dep.urn == target.urn for dep in resource.property_dependencies.get(key, []))


def _grants_invoke(statement: Statement) -> bool:
    """Action granting an invoke action, or NotAction leaving one of them out."""
    if statement.not_actions:
        return any(
            not any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in statement.not_actions)
            for action in INVOKE_ACTIONS
        )
    return bool(granted_actions(statement.actions, INVOKE_ACTIONS))


def _matches(pattern: str, arn: Any, name: Any, partition: str | None, exact: bool = False) -> bool | None:
    """Whether a Resource pattern covers the execution function; None when that can't be told yet.

    With the ARN unknown (a new function at preview), ``*`` covers it, and so does a Lambda ARN pattern
    whose region and account are ``*``, whose partition is ``*`` or the stack's (from a known role ARN),
    and whose function part matches the known name; a pattern naming another function does not.
    ``exact`` (for NotResource): only a pattern covering the unqualified function excludes it."""
    if isinstance(arn, str) and arn:
        return resource_matches(pattern, arn) if exact else _covers(pattern, arn)
    if pattern == "*":
        return True
    parts = pattern.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[5] != "function":
        return None
    anywhere = (
        (parts[1] == "*" or (partition is not None and fnmatch.fnmatchcase(partition, parts[1])))
        and fnmatch.fnmatchcase("lambda", parts[2])
        and parts[3:5] == ["*", "*"]
    )
    if not isinstance(name, str) or not name:
        return True if anywhere and parts[6] == "*" else None
    if not fnmatch.fnmatchcase(name, parts[6]) and (exact or not fnmatch.fnmatchcase(name, function_name(parts[6]))):
        return False
    return True if anywhere else None


def _partition(arn: Any) -> str | None:
    return arn.split(":")[1] if isinstance(arn, str) and arn.startswith("arn:") and arn.count(":") >= 5 else None


def _names_function(function: Any, refs: set[str]) -> bool:
    if not isinstance(function, str):
        return False
    return function in refs or function_name(function) in refs


def _covers(pattern: str, arn: str) -> bool:
    return (
        resource_matches(pattern, arn) or resource_matches(pattern, f"{arn}:$LATEST") or pattern.startswith(f"{arn}:")
    )


ROLLOUT_CLEANUP_COMPLETE = StackValidationPolicy(
    name="rollout-cleanup-complete",
    description="When the verification layer's rollout is at 100 %, nothing may grant its role "
    "lambda:InvokeFunction on the execution function.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Remove the aws.lambda_.Permission and the identity-policy statement that let the "
    "verification role invoke the execution function directly; at 100 % all traffic goes "
    "through the SigV4-signed REST API.",
    config_schema=CLEANUP_SCHEMA,
    validate=_validate_cleanup,
)
