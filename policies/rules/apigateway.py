"""REST APIs (API Gateway v1): methods authenticate callers with IAM; resource policies are never public."""

from __future__ import annotations

import fnmatch

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.common import applies_to, exemption_reason, is_exempt, statements_or_report
from policies.documents import Statement
from policies.openapi import OpenApiError, operations
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

METHOD_TYPE = "aws:apigateway/method:Method"
REST_API_TYPE = "aws:apigateway/restApi:RestApi"

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedAuthorizationTypes": string_list(
            ["AWS_IAM"],
            "Authorization types a method may use. NONE cannot be allowed here: "
            "name public methods in exemptMethods instead.",
            enum=["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]),
        "exemptMethods": string_list(
            [],
            "Resource names (the last part of the URN, e.g. \"health-get\") of "
            "aws:apigateway/method:Method resources that may use any authorization; for a RestApi defined by "
            "an OpenAPI body, \"<METHOD> <path>\" (e.g. \"GET /health\") or the RestApi's name."),
        "exemptions": exemptions_schema("Methods that may use any authorization, by resource name,"),
    },
)


@applies_to(METHOD_TYPE, REST_API_TYPE)
def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == REST_API_TYPE:
        _validate_body(args, report_violation)
        return
    http_method = args.props.get("httpMethod")
    if http_method == "OPTIONS":  # CORS preflight requests never carry credentials
        return
    settings = policy_settings(args, CONFIG_SCHEMA)
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
    settings = policy_settings(args, CONFIG_SCHEMA)
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
            f'"awsSigv4" security scheme, or list "{operation.key}" in exemptMethods)')


METHOD_REQUIRES_IAM_AUTH = ResourceValidationPolicy(
    name="apigateway-method-requires-iam-auth",
    description="API Gateway REST API methods must require IAM (SigV4) authorization.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set authorization=\"AWS_IAM\" on the method and sign calls with SigV4; a method that "
                      "must stay public goes in exemptMethods by resource name.",
    config_schema=CONFIG_SCHEMA,
    validate=_validate,
)


# --- resource policies ----------------------------------------------------------------------

REST_API_POLICY_TYPE = "aws:apigateway/restApiPolicy:RestApiPolicy"

RESOURCE_POLICY_SCHEMA = PolicyConfigSchema(
    properties={
        "restrictingConditionKeys": string_list(
            ["aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp", "aws:PrincipalOrgID"],
            "Condition keys that make an Allow to principal \"*\" acceptable: under a positive operator "
            "(StringEquals, IpAddress, ...; not ...IfExists or Null) on the statement itself, or negated "
            "(StringNotEquals, NotIpAddress, ...; not ...IfExists) on a Deny to \"*\" in the same document "
            "whose actions and resources cover the Allow's."),
        "exemptions": exemptions_schema("REST APIs (or RestApiPolicy resources)"),
    },
)


@applies_to(REST_API_TYPE, REST_API_POLICY_TYPE)
def _validate_resource_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    document = args.props.get("policy")
    if document in (None, ""):
        return
    settings = policy_settings(args, RESOURCE_POLICY_SCHEMA)
    if is_exempt(settings, args):
        return
    statements = statements_or_report(document, f'the resource policy of "{args.name}"', report_violation)
    if statements is None:
        return
    keys = {k.lower() for k in settings["restrictingConditionKeys"]}
    denials = [s for s in statements if _denies_everyone(s) and s.restricting_keys() & keys]
    for statement in statements:
        if not statement.allows:
            continue
        if statement.not_principals:
            report_violation(f"{statement.label} of the resource policy of \"{args.name}\" uses NotPrincipal "
                             "with Allow, which lets every principal it does not list call the API; name the "
                             "callers in Principal instead")
        if statement.is_public and not (statement.restricting_keys() & keys) \
                and not any(_covers(deny, statement) for deny in denials):
            report_violation(
                f"{statement.label} of the resource policy of \"{args.name}\" allows principal \"*\" without a "
                f"restricting condition; add a condition on one of {', '.join(settings['restrictingConditionKeys'])} "
                "or name the calling roles as principals")


def _denies_everyone(statement: Statement) -> bool:
    return statement.effect == "Deny" and statement.is_public


def _covers(deny: Statement, allow: Statement) -> bool:
    """Whether a "Deny * unless" applies to every action and resource the Allow grants."""
    if deny.not_actions or deny.not_resources or allow.not_actions or allow.not_resources:
        return False
    return _all_matched(allow.actions, deny.actions, case_sensitive=False) \
        and _all_matched(allow.resources, deny.resources, case_sensitive=True)


def _all_matched(granted: list[str], patterns: list[str], case_sensitive: bool) -> bool:
    """Every granted value (a pattern itself, compared literally) falls under one of ``patterns``."""
    if not case_sensitive:
        granted, patterns = [g.lower() for g in granted], [p.lower() for p in patterns]
    return bool(granted) and all(any(fnmatch.fnmatchcase(g, p) for p in patterns) for g in granted)


RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL = ResourceValidationPolicy(
    name="apigateway-resource-policy-no-public-principal",
    description="A REST API resource policy must not allow principal \"*\" without a restricting condition "
                "(source VPC endpoint, VPC, IP range or organisation).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Name the calling roles as principals (e.g. the verification role's ARN), or add a "
                      "condition on aws:SourceVpce, aws:SourceVpc, aws:SourceIp or aws:PrincipalOrgID to the "
                      "Allow, or add a Deny to \"*\" unless that condition holds.",
    config_schema=RESOURCE_POLICY_SCHEMA,
    validate=_validate_resource_policy,
)
