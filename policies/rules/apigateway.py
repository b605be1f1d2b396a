"""REST APIs (API Gateway v1): methods authenticate callers with IAM; resource policies are never public."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.exemptions import exemption_reason
from policies.openapi import OpenApiError, operations
from policies.public_access import not_principal_allows, policy_statements, unrestricted_public_allows
from policies.resource_types import applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

METHOD_TYPE = "aws:apigateway/method:Method"
REST_API_TYPE = "aws:apigateway/restApi:RestApi"

METHOD_AUTH_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedAuthorizationTypes": string_list(
            ["AWS_IAM"],
            "Authorization types a method may use. NONE cannot be allowed here: "
            "name public methods in exemptMethods instead.",
            enum=["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"],
        ),
        "exemptMethods": string_list(
            [],
            'Resource names (the last part of the URN, e.g. "health-get") of '
            "aws:apigateway/method:Method resources that may use any authorization; for a RestApi defined by "
            'an OpenAPI body, "<METHOD> <path>" (e.g. "GET /health") or the RestApi\'s name.',
        ),
        "exemptions": exemptions_schema("Methods that may use any authorization, by resource name,"),
    },
)


@applies_to(METHOD_TYPE, REST_API_TYPE)
def _validate_method_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == REST_API_TYPE:
        _validate_body(args, report_violation)
        return
    http_method = args.props.get("httpMethod")
    if http_method == "OPTIONS":  # CORS preflight requests never carry credentials
        return
    settings = policy_settings(args, METHOD_AUTH_SCHEMA)
    if args.name in settings["exemptMethods"] or exemption_reason(settings, args.name) is not None:
        return
    authorization = args.props.get("authorization") or "NONE"
    allowed = settings["allowedAuthorizationTypes"]
    if authorization not in allowed:
        report_violation(
            f'{http_method} method "{args.name}" uses authorization {authorization}; '
            f"allowed: {', '.join(allowed)} (or list the method in exemptMethods)"
        )


def _validate_body(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The methods an OpenAPI ``body`` defines: they have no Method resources of their own."""
    body = args.props.get("body")
    if body in (None, ""):
        return
    settings = policy_settings(args, METHOD_AUTH_SCHEMA)
    if args.name in settings["exemptMethods"] or exemption_reason(settings, args.name) is not None:
        return
    try:
        found = list(operations(body))
    except OpenApiError as error:
        report_violation(f'REST API "{args.name}": {error}; fix the body so its methods can be checked')
        return
    allowed = settings["allowedAuthorizationTypes"]
    for operation in found:
        if operation.method == "OPTIONS" or operation.authorization in allowed:
            continue
        if operation.key in settings["exemptMethods"] or exemption_reason(settings, operation.key) is not None:
            continue
        report_violation(
            f'{operation.method} {operation.path} of REST API "{args.name}" (OpenAPI body) uses authorization '
            f"{operation.authorization}; allowed: {', '.join(allowed)} (give it an x-amazon-apigateway-authtype "
            f'"awsSigv4" security scheme, or list "{operation.key}" in exemptMethods)'
        )


METHOD_REQUIRES_IAM_AUTH = ResourceValidationPolicy(
    name="apigateway-method-requires-iam-auth",
    description="API Gateway REST API methods must require IAM (SigV4) authorization.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps='Set authorization="AWS_IAM" on the method and sign calls with SigV4; a method that '
    "must stay public goes in exemptMethods by resource name.",
    config_schema=METHOD_AUTH_SCHEMA,
    validate=_validate_method_auth,
)


# --- resource policies ----------------------------------------------------------------------

REST_API_POLICY_TYPE = "aws:apigateway/restApiPolicy:RestApiPolicy"

RESOURCE_POLICY_SCHEMA = PolicyConfigSchema(
    properties={
        "restrictingConditionKeys": string_list(
            ["aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp", "aws:PrincipalOrgID"],
            'Condition keys that make an Allow to principal "*" acceptable: under a positive operator '
            "(StringEquals, IpAddress, ...; not ...IfExists or Null) on the statement itself, or negated "
            '(StringNotEquals, NotIpAddress, ...; not ...IfExists) on a Deny to "*" in the same document '
            "whose actions and resources cover the Allow's.",
        ),
        "exemptions": exemptions_schema("REST APIs (or RestApiPolicy resources)"),
    },
)


@applies_to(REST_API_TYPE, REST_API_POLICY_TYPE)
def _validate_resource_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, RESOURCE_POLICY_SCHEMA)
    statements = policy_statements(args, f'the resource policy of "{args.name}"', report_violation, settings)
    if statements is None:
        return
    for statement in not_principal_allows(statements):
        report_violation(
            f'{statement.label} of the resource policy of "{args.name}" uses NotPrincipal '
            "with Allow, which lets every principal it does not list call the API; name the "
            "callers in Principal instead"
        )
    for statement in unrestricted_public_allows(statements, settings["restrictingConditionKeys"]):
        report_violation(
            f'{statement.label} of the resource policy of "{args.name}" allows principal "*" without a '
            f"restricting condition; add a condition on one of {', '.join(settings['restrictingConditionKeys'])} "
            "or name the calling roles as principals"
        )


RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL = ResourceValidationPolicy(
    name="apigateway-resource-policy-no-public-principal",
    description='A REST API resource policy must not allow principal "*" without a restricting condition '
    "(source VPC endpoint, VPC, IP range or organisation).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Name the calling roles as principals (e.g. the verification role's ARN), or add a "
    "condition on aws:SourceVpce, aws:SourceVpc, aws:SourceIp or aws:PrincipalOrgID to the "
    'Allow, or add a Deny to "*" unless that condition holds.',
    config_schema=RESOURCE_POLICY_SCHEMA,
    validate=_validate_resource_policy,
)
