"""Tests of policies/rules/lambda_permissions.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.lambda_permissions import FUNCTION_URL_REQUIRES_AUTH
from policies.testing import assert_passes, assert_violates, resource, run_policy

URL = "aws:lambda/functionUrl:FunctionUrl"


def test_function_url_without_auth_fires():
    url = resource(URL, "reports-url", {"functionName": "reports-fn-function-1a2b3c4", "authorizationType": "NONE"})

    violation = assert_violates(run_policy(FUNCTION_URL_REQUIRES_AUTH, url), "lambda-function-url-requires-auth")
    assert 'function "reports-fn-function-1a2b3c4" uses authorization type NONE' in violation.message
    assert "AWS_IAM" in violation.message


def test_function_url_with_iam_passes():
    url = resource(URL, "reports-url", {"functionName": "reports", "authorizationType": "AWS_IAM"})

    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url))


@pytest.mark.parametrize(
    "function",
    [
        "verification-fn-function-7683123",
        "arn:aws:lambda:eu-west-1:123456789012:function:verification-fn-function-7683123",
    ],
)
def test_the_slack_verification_url_is_exempt_by_the_projects_config_not_by_default(function):
    url = resource(URL, "verification-url", {"functionName": function, "authorizationType": "NONE"})

    assert_violates(run_policy(FUNCTION_URL_REQUIRES_AUTH, url), FUNCTION_URL_REQUIRES_AUTH.name)
    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url, project_config(FUNCTION_URL_REQUIRES_AUTH)))


def project_config(policy):
    from preview.pack_config import PROJECT_PACK_CONFIG

    return json.loads(PROJECT_PACK_CONFIG.read_text())[policy.name]


def test_an_exemption_does_not_cover_names_that_merely_start_with_it():
    url = resource(URL, "admin-url", {"functionName": "verification-fn-function-admin", "authorizationType": "NONE"})

    assert_violates(
        run_policy(FUNCTION_URL_REQUIRES_AUTH, url, project_config(FUNCTION_URL_REQUIRES_AUTH)),
        FUNCTION_URL_REQUIRES_AUTH.name,
    )


def test_exemptions_need_a_reason():
    from policies.testing import PolicyConfigError

    url = resource(URL, "reports-url", {"functionName": "reports", "authorizationType": "NONE"})
    with pytest.raises(PolicyConfigError, match=r"exemptions\[0\].reason is required"):
        run_policy(FUNCTION_URL_REQUIRES_AUTH, url, {"exemptions": [{"name": "reports"}]})
    assert_passes(run_policy(FUNCTION_URL_REQUIRES_AUTH, url, {"exemptions": [{"name": "reports", "reason": "demo"}]}))


def test_a_public_function_url_permission_exempted_with_a_reason():
    from policies.rules.lambda_permissions import PERMISSION_HAS_SOURCE_ARN

    permission = resource(
        "aws:lambda/permission:Permission",
        "hook-url-public",
        {
            "function": "hook-fn-1a2b3c4",
            "principal": "*",
            "functionUrlAuthType": "NONE",
            "action": "lambda:InvokeFunctionUrl",
        },
    )
    assert_violates(run_policy(PERMISSION_HAS_SOURCE_ARN, permission), PERMISSION_HAS_SOURCE_ARN.name)
    config = {"exemptions": [{"name": "hook-fn", "reason": "GitHub webhook; the function checks the HMAC"}]}
    assert_passes(run_policy(PERMISSION_HAS_SOURCE_ARN, permission, config))
