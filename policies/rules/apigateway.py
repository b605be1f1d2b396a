"""REST API (API Gateway v1) methods must authenticate their callers with IAM."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.settings import policy_settings

METHOD_TYPE = "aws:apigateway/method:Method"

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedAuthorizationTypes": {
            "type": "array",
            "items": {"type": "string", "enum": ["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]},
            "default": ["AWS_IAM"],
            "description": "Authorization types a method may use. NONE cannot be allowed here: "
                           "name public methods in exemptMethods instead.",
        },
        "exemptMethods": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Resource names (the last part of the URN, e.g. \"health-get\") of "
                           "aws:apigateway/method:Method resources that may use any authorization.",
        },
    },
)


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != METHOD_TYPE:
        return
    http_method = args.props.get("httpMethod")
    if http_method == "OPTIONS":  # CORS preflight requests never carry credentials
        return
    settings = policy_settings(args, CONFIG_SCHEMA)
    if args.name in settings["exemptMethods"]:
        return
    authorization = args.props.get("authorization") or "NONE"
    allowed = settings["allowedAuthorizationTypes"]
    if authorization not in allowed:
        report_violation(
            f'{http_method} method "{args.name}" uses authorization {authorization}; '
            f"allowed: {', '.join(allowed)} (or list the method in exemptMethods)"
        )


METHOD_REQUIRES_IAM_AUTH = ResourceValidationPolicy(
    name="apigateway-method-requires-iam-auth",
    description="API Gateway REST API methods must require IAM (SigV4) authorization.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG_SCHEMA,
    validate=_validate,
)
