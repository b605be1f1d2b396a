"""apigatewayv2-route-requires-iam-auth, driven through the engine's request sequence."""

from preview.analysis import analyze

POLICY = "apigatewayv2-route-requires-iam-auth"
ROUTE = "aws:apigatewayv2/route:Route"
JWKS_ROUTE = "GET /.well-known/jwks.json"


def route(record, route_key, name="credentials-route", **inputs):
    return record(ROUTE, name, {"apiId": "api1", "routeKey": route_key, "target": "integrations/i1", **inputs})


def test_route_without_authorization_type_fires_and_names_the_route_key(record):
    resource = route(record, "POST /credentials")

    [violation] = analyze([resource])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", resource["urn"])
    assert 'route "POST /credentials" uses authorization type NONE' in violation.message


def test_iam_route_passes(record):
    assert analyze([route(record, "POST /credentials", authorizationType="AWS_IAM")]) == []


def test_jwks_route_may_be_public_by_default(record):
    assert analyze([route(record, JWKS_ROUTE, name="jwks-route", authorizationType="NONE")]) == []


def test_jwt_route_fires_unless_the_pack_config_allows_jwt(record):
    resources = [route(record, "GET /items", authorizationType="JWT", authorizerId="a1")]

    [violation] = analyze(resources)
    assert 'route "GET /items" uses authorization type JWT' in violation.message
    assert 'add "JWT" to this policy\'s allowedAuthorizationTypes' in violation.message
    assert analyze(resources, {POLICY: {"allowedAuthorizationTypes": ["AWS_IAM", "JWT"]}}) == []
    lambda_authorizer = [route(record, "GET /items", authorizationType="CUSTOM", authorizerId="a2")]
    assert analyze(lambda_authorizer, {POLICY: {"allowedAuthorizationTypes": ["AWS_IAM", "JWT", "CUSTOM"]}}) == []


def test_exempt_route_key_may_only_be_public_not_use_another_authorizer(record):
    resources = [route(record, JWKS_ROUTE, name="jwks-route", authorizationType="CUSTOM")]

    assert [v.policy for v in analyze(resources)] == [POLICY]
