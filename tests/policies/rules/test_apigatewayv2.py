"""Tests of policies/rules/apigatewayv2.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.apigatewayv2 import ROUTE_REQUIRES_IAM_AUTH
from policies.testing import assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import FUNCTION_ARN, HTTP_API, openapi, operation


@pytest.mark.parametrize(
    "props, route",
    [
        ({"protocolType": "HTTP", "target": FUNCTION_ARN}, "$default"),
        ({"protocolType": "HTTP", "target": FUNCTION_ARN, "routeKey": "POST /jobs"}, "POST /jobs"),
    ],
)
def test_a_quick_created_http_api_has_an_unauthenticated_route(props, route):
    violation = assert_violates(
        run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(HTTP_API, "app-api", props)),
        "apigatewayv2-route-requires-iam-auth",
        count=1,
    )
    assert (
        f'route "{route}" of HTTP API "app-api", made by quick create (target), uses authorization type NONE'
        in violation.message
        and "aws.apigatewayv2.Route" in violation.message
    )


def test_a_quick_created_route_can_be_exempted_by_its_key():
    api = resource(HTTP_API, "hooks", {"protocolType": "HTTP", "target": FUNCTION_ARN, "routeKey": "POST /hook"})
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, api, {"exemptRouteKeys": ["POST /hook"]}))


def test_an_http_api_with_route_resources_passes():
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(HTTP_API, "app-api", {"protocolType": "HTTP"})))


def test_an_http_api_body_route_is_judged_like_a_route():
    jwt = {"jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt", "jwtConfiguration": {}}}}
    body = openapi(
        {"/jobs": {"post": operation([{"jwt": []}])}, "$default": {"x-amazon-apigateway-any-method": operation()}}, jwt
    )
    api = resource(HTTP_API, "app-api", {"protocolType": "HTTP", "body": body})

    violations = run_policy(ROUTE_REQUIRES_IAM_AUTH, api)

    assert sorted(v.message.split("\n")[-1].split(" uses")[0] for v in violations) == [
        'route "$default" of HTTP API "app-api" (OpenAPI body)',
        'route "POST /jobs" of HTTP API "app-api" (OpenAPI body)',
    ]
    assert_passes(
        run_policy(
            ROUTE_REQUIRES_IAM_AUTH,
            api,
            {"allowedAuthorizationTypes": ["AWS_IAM", "JWT"], "exemptRouteKeys": ["$default"]},
        )
    )


def test_a_public_route_exempted_with_a_reason():
    from policies.rules.apigatewayv2 import ROUTE_REQUIRES_IAM_AUTH

    route = resource("aws:apigatewayv2/route:Route", "status-route", {"routeKey": "GET /status"})
    assert_violates(run_policy(ROUTE_REQUIRES_IAM_AUTH, route), ROUTE_REQUIRES_IAM_AUTH.name)
    config = {"exemptions": [{"name": "GET /status", "reason": "load balancer health check"}]}
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, route, config))
