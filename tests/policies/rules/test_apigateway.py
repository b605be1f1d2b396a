"""Tests of policies/rules/apigateway.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.apigateway import METHOD_REQUIRES_IAM_AUTH, RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import FUNCTION_ARN, REST_API, openapi, operation

SIGV4 = {
    "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
}


API_KEY = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}


@pytest.mark.parametrize(
    "body, expected",
    [
        (openapi({"/jobs": {"post": operation()}}), "POST /jobs"),  # no security
        (openapi({"/jobs": {"post": operation([{"api_key": []}])}}, API_KEY), "POST /jobs"),  # an API key only
        (
            openapi({"/jobs": {"get": operation(), "post": operation([])}}, SIGV4, [{"sigv4": []}]),
            "POST /jobs",
        ),  # opted out
        (openapi({"/a": {"x-amazon-apigateway-any-method": operation()}}), "ANY /a"),
        (openapi({"/jobs": {"post": operation([{"sigv4": []}, {}])}}, SIGV4), "POST /jobs"),  # or nothing
    ],
)
def test_a_rest_api_body_method_without_iam_fires(body, expected):
    violation = assert_violates(
        run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": body})),
        "apigateway-method-requires-iam-auth",
        count=1,
    )
    assert violation.message.startswith(f'{expected} of REST API "app" (OpenAPI body) uses authorization NONE')


def test_rest_api_body_methods_with_sigv4_pass_swagger_2_and_yaml_too():
    paths = {"/jobs": {"post": operation(), "options": {}}}
    swagger = json.dumps(
        {
            "swagger": "2.0",
            "info": {"title": "a", "version": "1"},
            "securityDefinitions": SIGV4,
            "security": [{"sigv4": []}],
            "paths": paths,
        }
    )
    yaml_body = (
        "openapi: 3.0.1\ninfo: {title: a, version: '1'}\ncomponents:\n  securitySchemes:\n    sigv4:\n"
        "      type: apiKey\n      name: Authorization\n      in: header\n"
        "      x-amazon-apigateway-authtype: awsSigv4\npaths:\n  /jobs:\n    post:\n      security:\n"
        "      - sigv4: []\n"
    )
    for body in (swagger, yaml_body, openapi(paths, SIGV4, [{"sigv4": []}])):
        assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": body})))


def test_a_custom_authorizer_counts_only_when_allowed():
    schemes = {
        "auth": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FUNCTION_ARN},
        }
    }
    api = resource(REST_API, "app", {"body": openapi({"/jobs": {"get": operation([{"auth": []}])}}, schemes)})
    assert_violates(
        run_policy(METHOD_REQUIRES_IAM_AUTH, api),
        "apigateway-method-requires-iam-auth",
        contains="uses authorization CUSTOM",
    )
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, api, {"allowedAuthorizationTypes": ["AWS_IAM", "CUSTOM"]}))


def test_a_body_method_can_be_exempted_by_method_and_path():
    api = resource(REST_API, "app", {"body": openapi({"/health": {"get": operation()}})})
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, api, {"exemptMethods": ["GET /health"]}))
    assert_passes(
        run_policy(
            METHOD_REQUIRES_IAM_AUTH, api, {"exemptions": [{"name": "GET /health", "reason": "load balancer probe"}]}
        )
    )


def test_a_body_that_is_not_openapi_fires_and_an_unknown_body_cannot_run():
    assert_violates(
        run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": "- a\n- list"})),
        "apigateway-method-requires-iam-auth",
        contains="not an OpenAPI object",
    )
    [violation] = run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": UNKNOWN}))
    assert violation.level == "advisory" and "can't run" in violation.message


REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"


VERIFICATION_ROLE = "arn:aws:iam::123456789012:role/verification-fn-role-1a2b3c4"


INVOKE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/*"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "execute-api:Invoke", "Resource": INVOKE, **extra}


@pytest.mark.parametrize("type_", [REST_API, REST_API_POLICY])
def test_public_allow_without_condition_fires(type_):
    api = resource(type_, "execution-api", {"policy": doc(allow("*", Sid="Anyone"))})

    violation = assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api), "apigateway-resource-policy-no-public-principal", count=1
    )
    assert 'statement "Anyone"' in violation.message and "aws:SourceVpce" in violation.message


def test_allow_to_the_verification_role_passes():
    api = resource(REST_API, "execution-api", {"policy": doc(allow({"AWS": VERIFICATION_ROLE}))})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
    ],
)
def test_public_allow_with_a_restricting_condition_passes(condition):
    api = resource(REST_API_POLICY, "p", {"policy": doc(allow("*", Condition=condition))})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


def test_public_allow_restricted_by_a_deny_unless_vpce_passes():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": INVOKE,
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
    }
    api = resource(REST_API, "private-api", {"policy": doc(allow("*"), deny)})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


def test_not_principal_allow_fires():
    api = resource(
        REST_API,
        "a",
        {
            "policy": doc(
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": VERIFICATION_ROLE},
                    "Action": "execute-api:Invoke",
                    "Resource": INVOKE,
                }
            )
        },
    )

    assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api),
        RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL.name,
        contains="NotPrincipal",
    )


def test_rest_api_without_policy_and_exempt_api_pass():
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, resource(REST_API, "a", {"name": "a"})))
    public = resource(REST_API, "status-api", {"policy": doc(allow("*"))})
    config = {"exemptions": [{"name": "status-api", "reason": "public status page"}]}
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, public, config))


def test_a_public_method_exempted_with_a_reason():
    from policies.rules.apigateway import METHOD_REQUIRES_IAM_AUTH

    method = resource("aws:apigateway/method:Method", "health-get", {"httpMethod": "GET", "authorization": "NONE"})
    assert_violates(run_policy(METHOD_REQUIRES_IAM_AUTH, method), METHOD_REQUIRES_IAM_AUTH.name)
    config = {"exemptions": [{"name": "health-get", "reason": "health check"}]}
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, method, config))
