"""HTTP API (API Gateway v2) routes must authenticate their callers with IAM."""

from __future__ import annotations

from typing import Any

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
from policies.props import is_set, known_or_none
from policies.resource_types import applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

ROUTE_TYPE = "aws:apigatewayv2/route:Route"
API_TYPE = "aws:apigatewayv2/api:Api"

ROUTE_AUTH_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedAuthorizationTypes": string_list(
            ["AWS_IAM"],
            "Authorization types a route may use. NONE cannot be allowed here: "
            "name public routes in exemptRouteKeys instead.",
            enum=["AWS_IAM", "CUSTOM", "JWT"],
        ),
        "exemptRouteKeys": string_list(
            # The JWKS endpoint is public on purpose: outside readers fetch the public keys.
            ["GET /.well-known/jwks.json"],
            'Route keys (e.g. "GET /.well-known/jwks.json") that may have no authorization (NONE).',
        ),
        "exemptions": exemptions_schema("Public routes (NONE allowed), by route key or resource name,"),
    },
)


@applies_to(ROUTE_TYPE, API_TYPE)
def _validate_route_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, ROUTE_AUTH_SCHEMA)
    if args.resource_type == API_TYPE:
        _validate_api(args, settings, report_violation)
        return
    route_key = args.props.get("routeKey")
    problem = _route_problem(settings, route_key, args.props.get("authorizationType") or "NONE", args.name)
    if problem:
        report_violation(f'route "{route_key}" uses authorization type {problem}')


def _route_problem(settings: dict, route_key: Any, authorization: str, name: str) -> str | None:
    """None when the route may use ``authorization``; else "<type>; allowed: ... (hint)"."""
    allowed = settings["allowedAuthorizationTypes"]
    if authorization in allowed:
        return None
    if authorization == "NONE" and (route_key in settings["exemptRouteKeys"] or _exempt(settings, route_key, name)):
        return None
    if authorization == "NONE":
        hint = " (a public route must be listed in exemptRouteKeys)"  # or exemptions
    else:
        hint = (
            f' (to accept {authorization} authorizers, add "{authorization}" to this policy\'s '
            "allowedAuthorizationTypes in the pack config)"
        )
    return f"{authorization}; allowed: {', '.join(allowed)}{hint}"


def _validate_api(args: ResourceValidationArgs, settings: dict, report_violation: ReportViolation) -> None:
    """Routes without Route resources: quick create (``target``) makes one with no authorization, and an
    OpenAPI ``body`` defines its own."""
    if is_set(args.props, "target"):
        route_key = known_or_none(args.props, "routeKey") or "$default"
        problem = _route_problem(settings, route_key, "NONE", args.name)
        if problem:
            report_violation(
                f'route "{route_key}" of HTTP API "{args.name}", made by quick create (target), uses '
                f"authorization type {problem}; quick create cannot set an authorizer: remove target "
                'and declare an aws.apigatewayv2.Route with authorization_type="AWS_IAM"'
            )
    body = args.props.get("body")
    if body in (None, ""):
        return
    try:
        found = list(operations(body))
    except OpenApiError as error:
        report_violation(f'HTTP API "{args.name}": {error}; fix the body so its routes can be checked')
        return
    for operation in found:
        route_key = "$default" if operation.path == "$default" else operation.key
        problem = _route_problem(settings, route_key, operation.authorization, args.name)
        if problem and operation.method != "OPTIONS":
            report_violation(
                f'route "{route_key}" of HTTP API "{args.name}" (OpenAPI body) uses authorization type {problem}'
            )


def _exempt(settings: dict, route_key: object, name: str) -> bool:
    keys = {entry.get("name") for entry in settings.get("exemptions") or []}
    return route_key in keys or exemption_reason(settings, name) is not None


ROUTE_REQUIRES_IAM_AUTH = ResourceValidationPolicy(
    name="apigatewayv2-route-requires-iam-auth",
    description="API Gateway HTTP API routes must require IAM (SigV4) authorization.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps='Set authorizationType="AWS_IAM" on the route and sign calls with SigV4; a route that '
    "must stay public (the JWKS document) goes in exemptRouteKeys.",
    config_schema=ROUTE_AUTH_SCHEMA,
    validate=_validate_route_auth,
)
