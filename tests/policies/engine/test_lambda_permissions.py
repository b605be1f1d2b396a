"""lambda-permission-has-source-arn, driven through the engine's request sequence."""

import pytest
from pulumi.runtime.rpc import UNKNOWN

from preview.analysis import analyze

POLICY = "lambda-permission-has-source-arn"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:verification-fn-1a2b3c4"


def permission(record, name="invoke-from-api", **inputs):
    return record(PERMISSION, name, {"action": "lambda:InvokeFunction", "function": FUNCTION_ARN, **inputs})


def public_url(record, **inputs):
    return permission(record, name="public-url", action="lambda:InvokeFunctionUrl", principal="*", **inputs)


@pytest.mark.parametrize("service", ["apigateway.amazonaws.com", "s3.amazonaws.com.cn"])
def test_service_principal_without_source_arn_fires(record, service):
    resource = permission(record, principal=service)

    [violation] = analyze([resource])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", resource["urn"])
    assert f'permission "invoke-from-api" lets {service} invoke the function without a sourceArn' in violation.message


def test_service_principal_with_source_arn_passes(record):
    arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/POST/execute"
    assert analyze([permission(record, principal="apigateway.amazonaws.com", sourceArn=arn)]) == []


def test_source_arn_known_only_after_deployment_counts_as_set(record):
    assert analyze([permission(record, principal="apigateway.amazonaws.com", sourceArn=UNKNOWN)]) == []


@pytest.mark.parametrize("account", ["123456789012", "arn:aws:iam::123456789012:root"])
def test_account_principal_passes(record, account):
    assert analyze([permission(record, principal=account)]) == []


def test_any_principal_outside_a_function_url_fires(record):
    [violation] = analyze([permission(record, principal="*")])

    assert 'permission "invoke-from-api" lets any principal ("*") invoke the function' in violation.message


def test_public_function_url_fires_unless_the_function_is_exempt(record):
    resources = [public_url(record, functionUrlAuthType="NONE")]

    [violation] = analyze(resources)
    assert 'makes the Function URL of "verification-fn-1a2b3c4" public' in violation.message
    # Pulumi auto-named "verification-fn": the exemption names the logical name.
    assert analyze(resources, {POLICY: {"exemptFunctionUrlFunctions": ["verification-fn"]}}) == []


def test_exemption_does_not_cover_other_functions_with_the_same_prefix(record):
    resources = [public_url(record, functionUrlAuthType="NONE", function="verification-fn-admin")]

    assert len(analyze(resources, {POLICY: {"exemptFunctionUrlFunctions": ["verification-fn"]}})) == 1


def test_invoke_through_an_exempt_function_url_passes(record):
    resources = [permission(record, principal="*", invokedViaFunctionUrl=True, function="verification-fn")]

    assert analyze(resources, {POLICY: {"exemptFunctionUrlFunctions": ["verification-fn"]}}) == []


def test_iam_function_url_with_any_principal_fires_even_if_exempt(record):
    resources = [public_url(record, functionUrlAuthType="AWS_IAM")]

    assert len(analyze(resources, {POLICY: {"exemptFunctionUrlFunctions": ["verification-fn"]}})) == 1
