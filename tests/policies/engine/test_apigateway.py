"""apigateway-method-requires-iam-auth, driven through the engine's request sequence."""

from preview.analysis import analyze

POLICY = "apigateway-method-requires-iam-auth"
METHOD = "aws:apigateway/method:Method"


def method(record, name="execute-post", **inputs):
    return record(METHOD, name, {"restApi": "a1b2c3", "resourceId": "r1", "httpMethod": "POST", **inputs})


def test_method_without_authorization_fires(record):
    resource = method(record, authorization="NONE")

    [violation] = analyze([resource])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", resource["urn"])
    assert 'POST method "execute-post" uses authorization NONE' in violation.message


def test_missing_authorization_counts_as_none(record):
    [violation] = analyze([method(record)])

    assert "uses authorization NONE" in violation.message


def test_iam_authorization_passes(record):
    assert analyze([method(record, authorization="AWS_IAM")]) == []


def test_cors_preflight_is_exempt(record):
    assert analyze([method(record, httpMethod="OPTIONS", authorization="NONE")]) == []


def test_custom_authorizer_fires_unless_the_pack_config_allows_it(record):
    resources = [method(record, authorization="CUSTOM", authorizerId="auth1")]
    allow_custom = {POLICY: {"allowedAuthorizationTypes": ["AWS_IAM", "CUSTOM"]}}

    assert [v.policy for v in analyze(resources)] == [POLICY]
    assert analyze(resources, allow_custom) == []


def test_method_named_in_exempt_methods_passes(record):
    resources = [method(record, name="health-get", httpMethod="GET", authorization="NONE")]

    assert analyze(resources, {POLICY: {"exemptMethods": ["health-get"]}}) == []
