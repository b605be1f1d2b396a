import json

import pytest

from tests.support.harness import one, run_stack

JWKS_ROUTE = "GET /.well-known/jwks.json"


@pytest.fixture(scope="module")
def dev():
    # Dev also ships the TVM; leave it out so the graph holds the JWKS system alone.
    return run_stack("dev", {"iam-platform:tvm": {"enabled": False}})


def test_secret_default_name_and_initial_empty_key_set(dev):
    secret = one(dev, "aws:secretsmanager/secret:Secret", "jwks-keys")
    assert secret["inputs"]["name"] == "iam-platform/dev/jwt/public-keys"
    version = one(dev, "aws:secretsmanager/secretVersion:SecretVersion", "jwks-keys-initial")
    assert json.loads(version["inputs"]["secretString"]) == {"keys": []}
    assert version["inputs"]["secretId"] == secret["id"]


def test_single_public_route_to_the_function(dev):
    [route] = dev.of_type("aws:apigatewayv2/route:Route")
    integration = one(dev, "aws:apigatewayv2/integration:Integration", "jwks-api-integration")
    function = one(dev, "aws:lambda/function:Function", "jwks-fn-function")
    assert (route["inputs"]["routeKey"], route["inputs"]["authorizationType"]) == (JWKS_ROUTE, "NONE")
    assert route["inputs"]["target"] == "integrations/" + integration["id"]
    assert integration["inputs"]["integrationUri"] == function["outputs"]["arn"]
    assert integration["inputs"]["payloadFormatVersion"] == "2.0"


def test_invoke_permission_is_scoped_to_the_route(dev):
    api = one(dev, "aws:apigatewayv2/api:Api", "jwks-api")
    [permission] = [p for p in dev.of_type("aws:lambda/permission:Permission") if p["name"].startswith("jwks-")]
    assert permission["inputs"]["principal"] == "apigateway.amazonaws.com"
    assert permission["inputs"]["sourceArn"] == api["outputs"]["executionArn"] + "/*/GET/.well-known/jwks.json"


def test_stage_is_throttled_and_logged(dev):
    stage = one(dev, "aws:apigatewayv2/stage:Stage", "jwks-api-stage")["inputs"]
    logs = one(dev, "aws:cloudwatch/logGroup:LogGroup", "jwks-api-access-logs")
    assert (stage["name"], stage["autoDeploy"]) == ("$default", True)
    assert stage["defaultRouteSettings"] == {"throttlingBurstLimit": 100, "throttlingRateLimit": 50}
    assert stage["accessLogSettings"]["destinationArn"] == logs["outputs"]["arn"]
    assert "$context.requestId" in stage["accessLogSettings"]["format"]


def test_function_environment(dev):
    env = one(dev, "aws:lambda/function:Function", "jwks-fn-function")["inputs"]["environment"]["variables"]
    secret = one(dev, "aws:secretsmanager/secret:Secret", "jwks-keys")
    assert env["JWKS_SECRET_ID"] == secret["outputs"]["arn"]
    assert env["JWKS_CACHE_TTL_SECONDS"] == "600"
    assert "JWKS_FALLBACK_KEYS" not in env


def test_url_is_a_stack_output(dev):
    api = one(dev, "aws:apigatewayv2/api:Api", "jwks-api")
    assert dev.outputs["jwksUrl"] == api["outputs"]["apiEndpoint"] + "/.well-known/jwks.json"


def test_settings_reach_the_resources():
    fallback = [{"kty": "RSA", "kid": "k1", "n": "abc", "e": "AQAB"}]
    run = run_stack(
        "dev",
        {
            "iam-platform:jwks": {
                "secretName": "team/keys",
                "cacheTtlSeconds": 60,
                "fallbackKeys": fallback,
                "throttle": {"rateLimit": 5, "burstLimit": 9},
            }
        },
    )
    assert one(run, "aws:secretsmanager/secret:Secret", "jwks-keys")["inputs"]["name"] == "team/keys"
    env = one(run, "aws:lambda/function:Function", "jwks-fn-function")["inputs"]["environment"]["variables"]
    assert (env["JWKS_CACHE_TTL_SECONDS"], json.loads(env["JWKS_FALLBACK_KEYS"])) == ("60", {"keys": fallback})
    stage = one(run, "aws:apigatewayv2/stage:Stage", "jwks-api-stage")["inputs"]
    assert stage["defaultRouteSettings"] == {"throttlingBurstLimit": 9, "throttlingRateLimit": 5}


def test_disabled_jwks_declares_nothing_of_it():
    run = run_stack("dev", {"iam-platform:jwks": {"enabled": False}})
    assert not [r for r in run.records if "jwks" in r["urn"]]
    assert "jwksUrl" not in run.outputs


def test_prod_protects_the_secret():
    run = run_stack("prod")
    secret = one(run, "aws:secretsmanager/secret:Secret", "jwks-keys")
    assert secret["protect"] is True and secret["inputs"]["recoveryWindowInDays"] == 30


def test_resources_are_children_of_their_component(dev):
    component = one(dev, "iam-platform:jwks:JwksEndpoint", "jwks")
    function = one(dev, "iam-platform:function:ServiceFunction", "jwks-fn")
    assert function["parent"] == component["urn"]
    assert one(dev, "aws:iam/role:Role", "jwks-fn-role")["parent"] == function["urn"]
