"""Routes and methods without resources of their own: an HTTP API made by quick create (``target``), and
REST and HTTP APIs defined by an OpenAPI ``body``."""

import json

import pytest

from policies.rules.apigateway import METHOD_REQUIRES_IAM_AUTH
from policies.rules.apigatewayv2 import ROUTE_REQUIRES_IAM_AUTH
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

HTTP_API, REST_API = "aws:apigatewayv2/api:Api", "aws:apigateway/restApi:RestApi"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:app-fn-1a2b3c4"
SIGV4 = {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}
API_KEY = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}


def openapi(paths, schemes=None, security=None, version="3.0.1"):
    document = {"openapi": version, "info": {"title": "app", "version": "1"}, "paths": paths}
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if security is not None:
        document["security"] = security
    return json.dumps(document)


def operation(security=None):
    op = {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": FUNCTION_ARN}}
    if security is not None:
        op["security"] = security
    return op


# --- HTTP API quick create ---------------------------------------------------------------------

@pytest.mark.parametrize("props, route", [({"protocolType": "HTTP", "target": FUNCTION_ARN}, "$default"),
                                          ({"protocolType": "HTTP", "target": FUNCTION_ARN, "routeKey": "POST /jobs"},
                                           "POST /jobs")])
def test_a_quick_created_http_api_has_an_unauthenticated_route(props, route):
    violation = assert_violates(run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(HTTP_API, "app-api", props)),
                                "apigatewayv2-route-requires-iam-auth", count=1)
    assert f'route "{route}" of HTTP API "app-api", made by quick create (target), uses authorization type NONE' \
        in violation.message and "aws.apigatewayv2.Route" in violation.message


def test_a_quick_created_route_can_be_exempted_by_its_key():
    api = resource(HTTP_API, "hooks", {"protocolType": "HTTP", "target": FUNCTION_ARN, "routeKey": "POST /hook"})
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, api, {"exemptRouteKeys": ["POST /hook"]}))


def test_an_http_api_with_route_resources_passes():
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(HTTP_API, "app-api", {"protocolType": "HTTP"})))


# --- OpenAPI bodies ------------------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    (openapi({"/jobs": {"post": operation()}}), "POST /jobs"),                                     # no security
    (openapi({"/jobs": {"post": operation([{"api_key": []}])}}, API_KEY), "POST /jobs"),           # an API key only
    (openapi({"/jobs": {"get": operation(), "post": operation([])}}, SIGV4, [{"sigv4": []}]), "POST /jobs"),  # opted out
    (openapi({"/a": {"x-amazon-apigateway-any-method": operation()}}), "ANY /a"),
    (openapi({"/jobs": {"post": operation([{"sigv4": []}, {}])}}, SIGV4), "POST /jobs"),           # or nothing
])
def test_a_rest_api_body_method_without_iam_fires(body, expected):
    violation = assert_violates(run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": body})),
                                "apigateway-method-requires-iam-auth", count=1)
    assert violation.message.startswith(f'{expected} of REST API "app" (OpenAPI body) uses authorization NONE')


def test_rest_api_body_methods_with_sigv4_pass_swagger_2_and_yaml_too():
    paths = {"/jobs": {"post": operation(), "options": {}}}
    swagger = json.dumps({"swagger": "2.0", "info": {"title": "a", "version": "1"}, "securityDefinitions": SIGV4,
                          "security": [{"sigv4": []}], "paths": paths})
    yaml_body = ("openapi: 3.0.1\ninfo: {title: a, version: '1'}\ncomponents:\n  securitySchemes:\n    sigv4:\n"
                 "      type: apiKey\n      name: Authorization\n      in: header\n"
                 "      x-amazon-apigateway-authtype: awsSigv4\npaths:\n  /jobs:\n    post:\n      security:\n"
                 "      - sigv4: []\n")
    for body in (swagger, yaml_body, openapi(paths, SIGV4, [{"sigv4": []}])):
        assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": body})))


def test_a_custom_authorizer_counts_only_when_allowed():
    schemes = {"auth": {"type": "apiKey", "name": "Authorization", "in": "header",
                        "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FUNCTION_ARN}}}
    api = resource(REST_API, "app", {"body": openapi({"/jobs": {"get": operation([{"auth": []}])}}, schemes)})
    assert_violates(run_policy(METHOD_REQUIRES_IAM_AUTH, api), "apigateway-method-requires-iam-auth",
                    contains="uses authorization CUSTOM")
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, api, {"allowedAuthorizationTypes": ["AWS_IAM", "CUSTOM"]}))


def test_a_body_method_can_be_exempted_by_method_and_path():
    api = resource(REST_API, "app", {"body": openapi({"/health": {"get": operation()}})})
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, api, {"exemptMethods": ["GET /health"]}))
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, api,
                             {"exemptions": [{"name": "GET /health", "reason": "load balancer probe"}]}))


def test_a_body_that_is_not_openapi_fires_and_an_unknown_body_cannot_run():
    assert_violates(run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": "- a\n- list"})),
                    "apigateway-method-requires-iam-auth", contains="not an OpenAPI object")
    [violation] = run_policy(METHOD_REQUIRES_IAM_AUTH, resource(REST_API, "app", {"body": UNKNOWN}))
    assert violation.level == "advisory" and "can't run" in violation.message


def test_an_http_api_body_route_is_judged_like_a_route():
    jwt = {"jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt", "jwtConfiguration": {}}}}
    body = openapi({"/jobs": {"post": operation([{"jwt": []}])}, "$default": {"x-amazon-apigateway-any-method":
                                                                                operation()}}, jwt)
    api = resource(HTTP_API, "app-api", {"protocolType": "HTTP", "body": body})

    violations = run_policy(ROUTE_REQUIRES_IAM_AUTH, api)

    assert sorted(v.message.split("\n")[-1].split(" uses")[0] for v in violations) == [
        'route "$default" of HTTP API "app-api" (OpenAPI body)', 'route "POST /jobs" of HTTP API "app-api" (OpenAPI body)']
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, api, {"allowedAuthorizationTypes": ["AWS_IAM", "JWT"],
                                                            "exemptRouteKeys": ["$default"]}))
