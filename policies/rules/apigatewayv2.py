"""HTTP API (API Gateway v2) routes must authenticate their callers with IAM."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.common import applies_to, exemption_reason
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

ROUTE_TYPE = "aws:apigatewayv2/route:Route"

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedAuthorizationTypes": string_list(
            ["AWS_IAM"],
            "Authorization types a route may use. NONE cannot be allowed here: "
            "name public routes in exemptRouteKeys instead.",
            enum=["AWS_IAM", "CUSTOM", "JWT"]),
        "exemptRouteKeys": string_list(
            # The JWKS endpoint is public on purpose: outside readers fetch the public keys.
            ["GET /.well-known/jwks.json"],
            "Route keys (e.g. \"GET /.well-known/jwks.json\") that may have no authorization (NONE)."),
        "exemptions": exemptions_schema("Public routes (NONE allowed), by route key or resource name,"),
    },
)


@applies_to(ROUTE_TYPE)
def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, CONFIG_SCHEMA)
    route_key = args.props.get("routeKey")
    authorization = args.props.get("authorizationType") or "NONE"
    allowed = settings["allowedAuthorizationTypes"]
    if authorization in allowed:
        return
    if authorization == "NONE" and (route_key in settings["exemptRouteKeys"]
                                    or _exempt(settings, route_key, args.name)):
        return
    hint = " (a public route must be listed in exemptRouteKeys)" if authorization == "NONE" else ""  # or exemptions
    report_violation(
        f'route "{route_key}" uses authorization type {authorization}; allowed: {", ".join(allowed)}{hint}'
    )


def _exempt(settings: dict, route_key: object, name: str) -> bool:
    keys = {entry.get("name") for entry in settings.get("exemptions") or []}
    return route_key in keys or exemption_reason(settings, name) is not None


ROUTE_REQUIRES_IAM_AUTH = ResourceValidationPolicy(
    name="apigatewayv2-route-requires-iam-auth",
    description="API Gateway HTTP API routes must require IAM (SigV4) authorization.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set authorizationType=\"AWS_IAM\" on the route and sign calls with SigV4; a route that "
                      "must stay public (the JWKS document) goes in exemptRouteKeys.",
    config_schema=CONFIG_SCHEMA,
    validate=_validate,
)
