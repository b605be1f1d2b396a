"""API Gateway custom domains negotiate TLS 1.2 or newer."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.exemptions import exemption_reason
from policies.props import is_set, known_or_none
from policies.resource_types import applies_to
from policies.schemas import exemptions_only_schema
from policies.settings import policy_settings

REST_DOMAIN_TYPE = "aws:apigateway/domainName:DomainName"
HTTP_DOMAIN_TYPE = "aws:apigatewayv2/domainName:DomainName"
# What API Gateway applies to a REST API domain name created without a security policy.
REST_DEFAULT_POLICY = "TLS_1_0"
# TLS_1_2, and the enhanced policies whose minimum is TLS 1.2 or 1.3 (SecurityPolicy_TLS13_1_3_2025_09,
# SecurityPolicy_TLS12_PFS_2025_EDGE, ...).
_TLS_1_2_OR_NEWER = re.compile(r"TLS_1_[23]|SecurityPolicy_TLS1[23](?!_1_[01](_|$))(_.*)?", re.IGNORECASE)

DOMAIN_SCHEMA = exemptions_only_schema("Domain names (the resource or the domain, api.example.com)")


@applies_to(REST_DOMAIN_TYPE, HTTP_DOMAIN_TYPE)
def _validate_apigateway_domain_tls_1_2(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    domain = known_or_none(args.props, "domainName")
    if exemption_reason(policy_settings(args, DOMAIN_SCHEMA), args.name, domain) is not None:
        return
    if args.resource_type == REST_DOMAIN_TYPE:
        where, props = "security_policy", args.props
    else:
        where, props = "domain_name_configuration.security_policy", known_or_none(args.props, "domainNameConfiguration")
        if not isinstance(props, Mapping):
            return  # not known yet, or missing (the provider refuses that)
    if is_set(props, "securityPolicy") and known_or_none(props, "securityPolicy") is None:
        return  # known only after deployment
    policy = known_or_none(props, "securityPolicy") or REST_DEFAULT_POLICY
    if not _TLS_1_2_OR_NEWER.fullmatch(str(policy).strip()):
        shown = policy if is_set(props, "securityPolicy") else f"none, so API Gateway applies {REST_DEFAULT_POLICY}"
        report_violation(
            f'custom domain "{domain or args.name}" accepts TLS below 1.2 '
            f'(security policy: {shown}); set {where}="TLS_1_2" (or a SecurityPolicy_TLS13_... '
            "policy), or add the domain to this policy's exemptions with a reason"
        )


APIGATEWAY_DOMAIN_TLS_1_2 = ResourceValidationPolicy(
    name="apigateway-domain-tls-1-2",
    description="API Gateway custom domain names (REST and HTTP APIs) must require TLS 1.2 or newer.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps='Set security_policy="TLS_1_2" on aws.apigateway.DomainName (its default is TLS_1_0), and '
    'domain_name_configuration.security_policy="TLS_1_2" on aws.apigatewayv2.DomainName.',
    config_schema=DOMAIN_SCHEMA,
    validate=_validate_apigateway_domain_tls_1_2,
)
