"""REST API resource policies, Function URLs, API stages' access logs — through policies.testing."""

import json

import pytest

from policies.rules.apigateway import RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL
from policies.rules.lambda_permissions import FUNCTION_URL_REQUIRES_AUTH
from policies.rules.observability import APIGATEWAY_STAGE_ACCESS_LOGGING
from policies.testing import assert_passes, assert_violates, resource, run_policy

REST_API, REST_API_POLICY = "aws:apigateway/restApi:RestApi", "aws:apigateway/restApiPolicy:RestApiPolicy"
VERIFICATION_ROLE = "arn:aws:iam::123456789012:role/verification-fn-role-1a2b3c4"
INVOKE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/*"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": "execute-api:Invoke", "Resource": INVOKE, **extra}


# --- apigateway-resource-policy-no-public-principal -------------------------------------

@pytest.mark.parametrize("type_", [REST_API, REST_API_POLICY])
def test_public_allow_without_condition_fires(type_):
    api = resource(type_, "execution-api", {"policy": doc(allow("*", Sid="Anyone"))})

    violation = assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api),
                                "apigateway-resource-policy-no-public-principal", count=1)
    assert 'statement "Anyone"' in violation.message and "aws:SourceVpce" in violation.message


def test_allow_to_the_verification_role_passes():
    api = resource(REST_API, "execution-api", {"policy": doc(allow({"AWS": VERIFICATION_ROLE}))})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


@pytest.mark.parametrize("condition", [{"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                                       {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                                       {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}])
def test_public_allow_with_a_restricting_condition_passes(condition):
    api = resource(REST_API_POLICY, "p", {"policy": doc(allow("*", Condition=condition))})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


def test_public_allow_restricted_by_a_deny_unless_vpce_passes():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": INVOKE,
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
    api = resource(REST_API, "private-api", {"policy": doc(allow("*"), deny)})

    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api))


def test_not_principal_allow_fires():
    api = resource(REST_API, "a", {"policy": doc({"Effect": "Allow", "NotPrincipal": {"AWS": VERIFICATION_ROLE},
                                                  "Action": "execute-api:Invoke", "Resource": INVOKE})})

    assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, api), RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL.name,
                    contains="NotPrincipal")


def test_rest_api_without_policy_and_exempt_api_pass():
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, resource(REST_API, "a", {"name": "a"})))
    public = resource(REST_API, "status-api", {"policy": doc(allow("*"))})
    config = {"exemptions": [{"name": "status-api", "reason": "public status page"}]}
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, public, config))


# --- lambda-function-url-requires-auth ---------------------------------------------------

URL = "aws:lambda/functionUrl:FunctionUrl"


def test_function_url_without_auth_fires():
    url = resource(URL, "reports-url", {"functionName": "reports-fn-function-1a2b3c4", "authorizationType": "NONE"})

    violation = assert_violates(run_policy(FUNCTION_URL_REQUIRES_AUTH, url), "lambda-function-url-requires-auth")
    assert 'function "reports-fn-function-1a2b3c4" uses authorization type NONE' in violation.message
    assert "AWS_IAM" in violation.message


def test_function_url_with_iam_passes():
    url = resource(URL, "reports-url", {"functionName": "reports", "authorizationType": "AWS_IAM"})

    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url))


@pytest.mark.parametrize("function", ["verification-fn-function-7683123",
                                      "arn:aws:lambda:eu-west-1:123456789012:function:verification-fn-function-7683123"])
def test_the_slack_verification_url_is_exempt_by_the_projects_config_not_by_default(function):
    url = resource(URL, "verification-url", {"functionName": function, "authorizationType": "NONE"})

    assert_violates(run_policy(FUNCTION_URL_REQUIRES_AUTH, url), FUNCTION_URL_REQUIRES_AUTH.name)
    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url, project_config(FUNCTION_URL_REQUIRES_AUTH)))


def project_config(policy):
    from preview.pack_config import PROJECT_PACK_CONFIG
    return json.loads(PROJECT_PACK_CONFIG.read_text())[policy.name]


def test_an_exemption_does_not_cover_names_that_merely_start_with_it():
    url = resource(URL, "admin-url", {"functionName": "verification-fn-function-admin", "authorizationType": "NONE"})

    assert_violates(run_policy(FUNCTION_URL_REQUIRES_AUTH, url, project_config(FUNCTION_URL_REQUIRES_AUTH)),
                    FUNCTION_URL_REQUIRES_AUTH.name)


def test_exemptions_need_a_reason():
    from policies.testing import PolicyConfigError

    url = resource(URL, "reports-url", {"functionName": "reports", "authorizationType": "NONE"})
    with pytest.raises(PolicyConfigError, match=r"exemptions\[0\].reason is required"):
        run_policy(FUNCTION_URL_REQUIRES_AUTH, url, {"exemptions": [{"name": "reports"}]})
    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url, {"exemptions": [{"name": "reports", "reason": "demo"}]}))


# --- apigateway-stage-access-logging -----------------------------------------------------

LOGS = {"destinationArn": "arn:aws:logs:eu-west-1:123456789012:log-group:api-logs", "format": '{"id":"$context.requestId"}'}


@pytest.mark.parametrize("type_", ["aws:apigateway/stage:Stage", "aws:apigatewayv2/stage:Stage"])
def test_stage_without_access_logs_fires(type_):
    stage = resource(type_, "api-stage", {"stageName": "v1"})

    violation = assert_violates(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, stage), "apigateway-stage-access-logging")
    assert violation.level == "advisory" and "access_log_settings" in violation.message


@pytest.mark.parametrize("type_", ["aws:apigateway/stage:Stage", "aws:apigatewayv2/stage:Stage"])
def test_stage_with_access_logs_passes(type_):
    assert_passes(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, resource(type_, "s", {"accessLogSettings": LOGS})))


def test_stage_with_a_destination_but_no_format_fires():
    stage = resource("aws:apigatewayv2/stage:Stage", "s", {"accessLogSettings": {"destinationArn": LOGS["destinationArn"]}})

    assert_violates(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, stage), APIGATEWAY_STAGE_ACCESS_LOGGING.name)


# --- exemptions with a reason on the first three policies (their older keys keep working) ----

def test_a_public_route_exempted_with_a_reason():
    from policies.rules.apigatewayv2 import ROUTE_REQUIRES_IAM_AUTH

    route = resource("aws:apigatewayv2/route:Route", "status-route", {"routeKey": "GET /status"})
    assert_violates(run_policy(ROUTE_REQUIRES_IAM_AUTH, route), ROUTE_REQUIRES_IAM_AUTH.name)
    config = {"exemptions": [{"name": "GET /status", "reason": "load balancer health check"}]}
    assert_passes(run_policy(ROUTE_REQUIRES_IAM_AUTH, route, config))


def test_a_public_method_exempted_with_a_reason():
    from policies.rules.apigateway import METHOD_REQUIRES_IAM_AUTH

    method = resource("aws:apigateway/method:Method", "health-get", {"httpMethod": "GET", "authorization": "NONE"})
    assert_violates(run_policy(METHOD_REQUIRES_IAM_AUTH, method), METHOD_REQUIRES_IAM_AUTH.name)
    config = {"exemptions": [{"name": "health-get", "reason": "health check"}]}
    assert_passes(run_policy(METHOD_REQUIRES_IAM_AUTH, method, config))


def test_a_public_function_url_permission_exempted_with_a_reason():
    from policies.rules.lambda_permissions import PERMISSION_HAS_SOURCE_ARN

    permission = resource("aws:lambda/permission:Permission", "hook-url-public", {
        "function": "hook-fn-1a2b3c4", "principal": "*", "functionUrlAuthType": "NONE",
        "action": "lambda:InvokeFunctionUrl"})
    assert_violates(run_policy(PERMISSION_HAS_SOURCE_ARN, permission), PERMISSION_HAS_SOURCE_ARN.name)
    config = {"exemptions": [{"name": "hook-fn", "reason": "GitHub webhook; the function checks the HMAC"}]}
    assert_passes(run_policy(PERMISSION_HAS_SOURCE_ARN, permission, config))
