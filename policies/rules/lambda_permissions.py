"""Who may invoke a Lambda function: services only for a named source, anyone only via an exempt URL."""

from __future__ import annotations

from typing import Any, Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.autonames import is_name_or_autoname
from policies.props import is_set
from policies.settings import policy_settings

PERMISSION_TYPE = "aws:lambda/permission:Permission"
SERVICE_PRINCIPAL_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "exemptFunctionUrlFunctions": {
            "type": "array",
            "items": {"type": "string"},
            # Slack cannot sign with SigV4: the verification function checks Slack's signature itself.
            "default": ["verification-fn-function"],
            "description": "Lambda functions that may have a public Function URL (principal \"*\" "
                           "with functionUrlAuthType NONE, or invokedViaFunctionUrl). An entry "
                           "matches a function named exactly so, or auto-named from it "
                           "(the entry, \"-\", and Pulumi's 7-hex-digit suffix).",
        },
    },
)


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != PERMISSION_TYPE:
        return
    principal = args.props.get("principal")
    if principal == "*":
        _check_public_permission(args, report_violation)
    elif _is_service_principal(principal) and not is_set(args.props, "sourceArn"):
        report_violation(
            f'permission "{args.name}" lets {principal} invoke the function without a sourceArn, '
            f"so any {principal} resource in any account could invoke it"
        )


def _check_public_permission(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if _is_function_url_permission(args.props):
        function = _function_name(args.props["function"])
        exempt = policy_settings(args, CONFIG_SCHEMA)["exemptFunctionUrlFunctions"]
        if any(is_name_or_autoname(function, entry) for entry in exempt):
            return
        report_violation(
            f'permission "{args.name}" makes the Function URL of "{function}" public; '
            f"list the function in exemptFunctionUrlFunctions if that is intended"
        )
        return
    report_violation(f'permission "{args.name}" lets any principal ("*") invoke the function')


def _is_function_url_permission(props: Mapping[str, Any]) -> bool:
    # AWS requires both for a public URL: InvokeFunctionUrl with auth type NONE, and
    # InvokeFunction restricted to calls that arrive through the URL.
    return props.get("functionUrlAuthType") == "NONE" or props.get("invokedViaFunctionUrl") is True


def _is_service_principal(principal: Any) -> bool:
    return isinstance(principal, str) and principal.endswith(SERVICE_PRINCIPAL_SUFFIXES)


def _function_name(function: str) -> str:
    """``function`` is a name, ``name:qualifier``, or a (partial) ARN ending in ``function:name[:qualifier]``."""
    if ":function:" in function:
        function = function.split(":function:", 1)[1]
    return function.split(":", 1)[0]


PERMISSION_HAS_SOURCE_ARN = ResourceValidationPolicy(
    name="lambda-permission-has-source-arn",
    description="Lambda permissions must name their caller: a service principal needs a sourceArn, "
                "and \"*\" is only for an exempt public Function URL.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG_SCHEMA,
    validate=_validate,
)
