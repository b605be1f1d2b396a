"""ServiceFunction, observed through the JWKS system's function in the real program."""

import pytest

from components.function import lambda_archive
from tests.support.harness import one, policy_of, run_stack

FN = "iam-platform:function:ServiceFunction"
ROLE, POLICY, FUNCTION = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:lambda/function:Function"


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


def test_role_trusts_lambda_only_and_is_auto_named(dev):
    role = one(dev, ROLE, "jwks-fn-role")
    trust = policy_of(role, "assumeRolePolicy")
    assert trust["Statement"] == [
        {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}}
    ]
    assert "name" not in role["inputs"] and "namePrefix" not in role["inputs"]


def test_function_role_comes_from_the_roles_arn_output(dev):
    role, function = one(dev, ROLE, "jwks-fn-role"), one(dev, FUNCTION, "jwks-fn-function")
    assert function["inputs"]["role"] == role["outputs"]["arn"]
    assert function["propertyDependencies"]["role"] == [role["urn"]]


def test_every_role_in_the_stack_is_auto_named(dev):
    assert all("name" not in r["inputs"] for r in dev.of_type(ROLE))


def test_policy_grants_logs_on_its_own_group_and_callers_statements(dev):
    logs = one(dev, "aws:cloudwatch/logGroup:LogGroup", "jwks-fn-logs")
    statements = policy_of(one(dev, POLICY, "jwks-fn-policy"), "policy")["Statement"]
    by_action = {tuple(s["Action"]): s["Resource"] for s in statements}
    assert by_action[("logs:CreateLogStream", "logs:PutLogEvents")] == [logs["outputs"]["arn"] + ":log-stream:*"]
    assert by_action[("xray:PutTelemetryRecords", "xray:PutTraceSegments")] == ["*"]
    secret = one(dev, "aws:secretsmanager/secret:Secret", "jwks-keys")
    assert by_action[("secretsmanager:GetSecretValue",)] == [secret["outputs"]["arn"]]
    [decrypt] = [s for s in statements if s["Action"] == ["kms:Decrypt"]]
    assert decrypt["Resource"] == [one(dev, "aws:kms/key:Key", "jwks-keys-key")["outputs"]["arn"]]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    assert len(statements) == 4


def test_function_defaults_logging_and_tracing(dev):
    function = one(dev, FUNCTION, "jwks-fn-function")["inputs"]
    logs = one(dev, "aws:cloudwatch/logGroup:LogGroup", "jwks-fn-logs")
    assert (function["runtime"], function["handler"]) == ("python3.12", "lambdas.jwks.handler.handler")
    assert function["tracingConfig"] == {"mode": "Active"}
    assert function["loggingConfig"]["logGroup"] == logs["outputs"]["name"]
    assert logs["inputs"]["retentionInDays"] == 14
    assert function["layers"] == [
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"
    ]
    assert "reservedConcurrentExecutions" not in function and "kmsKeyArn" not in function


def test_function_waits_for_its_permissions(dev):
    function = one(dev, FUNCTION, "jwks-fn-function")
    assert one(dev, POLICY, "jwks-fn-policy")["urn"] in function["dependencies"]


def test_no_alarms_in_dev(dev):
    assert dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") == []


def test_alarms_notify_the_stack_topic():
    run = run_stack(
        "dev", {"iam-platform:observability": {"alarmsEnabled": True}, "iam-platform:tvm": {"enabled": False}}
    )
    topic = one(run, "aws:sns/topic:Topic", "alarms-topic")["outputs"]["arn"]
    alarms = {
        a["name"]: a["inputs"]
        for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["name"].startswith("jwks-")
    }
    assert set(alarms) == {"jwks-fn-errors-alarm", "jwks-fn-throttles-alarm"}
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [topic]
        assert alarm["dimensions"]["FunctionName"] == one(run, FUNCTION, "jwks-fn-function")["outputs"]["name"]


def test_customer_managed_key_encrypts_environment_and_is_decryptable():
    key = "arn:aws:kms:eu-west-1:123456789012:key/0b5b7a8e-9c3a-4b6f-8d2e-1f0a9c8b7d6e"
    run = run_stack("dev", {"iam-platform:functions": {"environmentKmsKeyArn": key}})
    assert one(run, FUNCTION, "jwks-fn-function")["inputs"]["kmsKeyArn"] == key
    statements = policy_of(one(run, POLICY, "jwks-fn-policy"), "policy")["Statement"]
    assert {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [key]} in statements


def test_reserved_concurrency_from_settings():
    run = run_stack("dev", {"iam-platform:jwks": {"reservedConcurrency": 7}})
    assert one(run, FUNCTION, "jwks-fn-function")["inputs"]["reservedConcurrentExecutions"] == 7


def test_archive_holds_the_package_layout():
    paths = set(lambda_archive("jwks").assets)
    assert {"lambdas/__init__.py", "lambdas/common/__init__.py", "lambdas/jwks/handler.py"} <= paths
    assert all(p.startswith(("lambdas/jwks/", "lambdas/common/")) or p == "lambdas/__init__.py" for p in paths)
    assert not any("__pycache__" in p for p in paths)


def test_archive_of_missing_code_is_refused():
    with pytest.raises(ValueError, match="lambdas/nope"):
        lambda_archive("nope")
