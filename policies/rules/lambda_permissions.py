"""Who may invoke a Lambda function: services only for a named source, anyone only via an exempt URL,
and Function URLs authenticate their callers unless exempted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.autonames import is_name_or_autoname
from policies.exemptions import exemption_reason
from policies.props import is_set, known_or_none
from policies.resource_types import PERMISSION_TYPE, applies_to
from policies.schemas import exemptions_only_schema, exemptions_schema, string_list
from policies.settings import policy_settings
from policies.stacks import function_name

SERVICE_PRINCIPAL_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")

SOURCE_ARN_SCHEMA = PolicyConfigSchema(
    properties={
        "exemptFunctionUrlFunctions": string_list(
            [],
            'Lambda functions that may have a public Function URL (principal "*" with functionUrlAuthType '
            "NONE, or invokedViaFunctionUrl). An entry matches a function named exactly so, or auto-named "
            'from it (the entry, "-", and Pulumi\'s 7-hex-digit suffix).',
        ),
        "exemptions": exemptions_schema("Functions whose Function URL may be public,"),
    },
)


@applies_to(PERMISSION_TYPE)
def _validate_source_arn(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    principal = args.props.get("principal")
    if principal == "*":
        _check_public_permission(args, report_violation)
    elif _is_service_principal(principal) and not is_set(args.props, "sourceArn"):
        report_violation(
            f'permission "{args.name}" lets {principal} invoke the function without a sourceArn, '
            f"so any {principal} resource in any account could invoke it; set source_arn to the calling "
            f"resource's ARN"
        )
    elif _is_service_principal(principal) and not is_set(args.props, "sourceAccount"):
        _check_source_account(args, principal, report_violation)


def _check_source_account(args: ResourceValidationArgs, principal: str, report_violation: ReportViolation) -> None:
    source_arn = known_or_none(args.props, "sourceArn")
    if _names_no_account(source_arn):
        report_violation(
            f'permission "{args.name}" lets {principal} invoke the function for sourceArn "{source_arn}", which '
            "names no account (S3 bucket ARNs carry none, and a deleted bucket's name can be taken by another "
            "account); set source_account to this account"
        )
    elif _any_account(source_arn):
        report_violation(
            f'permission "{args.name}" lets {principal} invoke the function for sourceArn '
            f'"{source_arn}", which matches resources in any account; name the account in '
            f"source_arn, or set source_account to this account"
        )


def _check_public_permission(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if _is_function_url_permission(args.props):
        function = function_name(args.props["function"])
        settings = policy_settings(args, SOURCE_ARN_SCHEMA)
        if (
            any(is_name_or_autoname(function, entry) for entry in settings["exemptFunctionUrlFunctions"])
            or exemption_reason(settings, function) is not None
        ):
            return
        report_violation(
            f'permission "{args.name}" makes the Function URL of "{function}" public; '
            f"list the function in exemptFunctionUrlFunctions if that is intended"
        )
        return
    report_violation(
        f'permission "{args.name}" lets any principal ("*") invoke the function; name the caller '
        "(a service principal with source_arn, a role or an account)"
    )


def _is_function_url_permission(props: Mapping[str, Any]) -> bool:
    # AWS requires both for a public URL: InvokeFunctionUrl with auth type NONE, and
    # InvokeFunction restricted to calls that arrive through the URL.
    return props.get("functionUrlAuthType") == "NONE" or props.get("invokedViaFunctionUrl") is True


def _names_no_account(source_arn: Any) -> bool:
    """A known ARN with an empty account field (S3 buckets, Route 53, ...): it matches any account's
    resource of that name."""
    parts = source_arn.split(":", 5) if isinstance(source_arn, str) else []
    return len(parts) == 6 and parts[4] == ""


def _any_account(source_arn: Any) -> bool:
    """Whether a known sourceArn matches other accounts' resources: a wildcard in its account."""
    if not isinstance(source_arn, str):
        return False
    parts = source_arn.split(":", 5)
    if len(parts) < 6:
        return "*" in source_arn or "?" in source_arn
    return "*" in parts[4] or "?" in parts[4]


def _is_service_principal(principal: Any) -> TypeGuard[str]:
    return isinstance(principal, str) and principal.endswith(SERVICE_PRINCIPAL_SUFFIXES)


PERMISSION_HAS_SOURCE_ARN = ResourceValidationPolicy(
    name="lambda-permission-has-source-arn",
    description="Lambda permissions must name their caller: a service principal needs a sourceArn, "
    'and "*" is only for an exempt public Function URL.',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set source_arn to the calling resource's ARN (for API Gateway, the execution ARN with "
    "stage, method and path); a public Function URL permission needs its function listed in "
    "exemptFunctionUrlFunctions.",
    config_schema=SOURCE_ARN_SCHEMA,
    validate=_validate_source_arn,
)


# --- function URLs --------------------------------------------------------------------------

FUNCTION_URL_TYPE = "aws:lambda/functionUrl:FunctionUrl"

FUNCTION_URL_SCHEMA = exemptions_only_schema("Function URLs (or their functions) that may use authorizationType NONE")


@applies_to(FUNCTION_URL_TYPE)
def _validate_function_url(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    authorization = args.props.get("authorizationType") or "NONE"
    if authorization == "AWS_IAM":
        return
    function = args.props.get("functionName")
    name = function_name(function) if isinstance(function, str) else None
    settings = policy_settings(args, FUNCTION_URL_SCHEMA)
    if exemption_reason(settings, args.name, name) is not None:
        return
    report_violation(
        f'Function URL "{args.name}" of function "{name or "?"}" uses authorization type {authorization}, '
        'so anyone on the internet can invoke it; set authorizationType="AWS_IAM", or add the URL or its '
        "function to exemptions with the reason it must be public"
    )


FUNCTION_URL_REQUIRES_AUTH = ResourceValidationPolicy(
    name="lambda-function-url-requires-auth",
    description="Lambda Function URLs must use AWS_IAM authorization unless exempted with a reason.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps='Set authorization_type="AWS_IAM" and sign requests with SigV4; a URL that must be '
    "public (a webhook that verifies its caller's signature) goes in exemptions with a reason.",
    config_schema=FUNCTION_URL_SCHEMA,
    validate=_validate_function_url,
)
