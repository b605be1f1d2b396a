"""Tests of policies/rules/api_domains.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.api_domains import APIGATEWAY_DOMAIN_TLS_1_2
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

REST, HTTP = "aws:apigateway/domainName:DomainName", "aws:apigatewayv2/domainName:DomainName"


POLICY = "apigateway-domain-tls-1-2"


def rest_domain(**props):
    return resource(REST, "api-domain", {"domainName": "api.example.com", **props})


def http_domain(policy):
    return resource(
        HTTP,
        "api-domain",
        {
            "domainName": "api.example.com",
            "domainNameConfiguration": {
                "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/1",
                "endpointType": "REGIONAL",
                "securityPolicy": policy,
            },
        },
    )


def test_a_rest_domain_without_a_security_policy_gets_tls_1_0():
    violation = assert_violates(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, rest_domain()), POLICY, level="mandatory")
    assert 'custom domain "api.example.com" accepts TLS below 1.2' in violation.message
    assert "API Gateway applies TLS_1_0" in violation.message and 'security_policy="TLS_1_2"' in violation.message


@pytest.mark.parametrize("policy", ["TLS_1_0", "tls_1_0", "SecurityPolicy_TLS13_1_0_2099_01"])
def test_policies_below_tls_1_2_fire(policy):
    assert_violates(
        run_policy(APIGATEWAY_DOMAIN_TLS_1_2, rest_domain(securityPolicy=policy)),
        POLICY,
        contains=f"(security policy: {policy})",
    )


@pytest.mark.parametrize(
    "policy",
    [
        "TLS_1_2",
        "SecurityPolicy_TLS13_1_3_2025_09",
        "SecurityPolicy_TLS13_1_2_2021_06",
        "SecurityPolicy_TLS12_PFS_2025_EDGE",
        UNKNOWN,
    ],
)
def test_tls_1_2_and_newer_pass(policy):
    assert_passes(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, rest_domain(securityPolicy=policy)))


def test_http_api_domains_read_the_domain_name_configuration():
    violation = assert_violates(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, http_domain("TLS_1_0")), POLICY)
    assert "domain_name_configuration.security_policy" in violation.message
    assert_passes(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, http_domain("TLS_1_2")))
    assert_passes(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, resource(HTTP, "d", {"domainNameConfiguration": UNKNOWN})))


def test_exemptions_name_the_resource_or_the_domain():
    for name in ("api-domain", "api.example.com"):
        exempt = {"exemptions": [{"name": name, "reason": "legacy clients until 2027"}]}
        assert_passes(run_policy(APIGATEWAY_DOMAIN_TLS_1_2, rest_domain(securityPolicy="TLS_1_0"), exempt))
