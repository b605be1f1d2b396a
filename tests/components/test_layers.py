"""The verification and execution layers, observed in the graph of the real program."""

import json

import pytest

from components.execution_api import ACCESS_LOG_FORMAT, fingerprint
from components.settings import StackConfigError
from tests.support.harness import one, policy_of, run_stack

LAYERS = "iam-platform:layers"
FUNCTION, POLICY, ROLE = "aws:lambda/function:Function", "aws:iam/rolePolicy:RolePolicy", "aws:iam/role:Role"
PERMISSION, ALARM = "aws:lambda/permission:Permission", "aws:cloudwatch/metricAlarm:MetricAlarm"
REST = "aws:apigateway/restApi:RestApi"


def layers(percent=10, **extra):
    return {f"{LAYERS}": {"enabled": True, "rollout": {"apiGatewayPercent": percent}, **extra}}


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev", layers(10))


@pytest.fixture(scope="module")
def full():
    return run_stack("dev", layers(100))


def _statements(run, policy_name):
    return policy_of(one(run, POLICY, policy_name), "policy")["Statement"]


def _by_action(statements):
    return {tuple(s["Action"]): s["Resource"] for s in statements}


def test_execute_method_requires_sigv4(dev):
    api = one(dev, REST, "execution-api")
    resource = one(dev, "aws:apigateway/resource:Resource", "execution-api-execute")["inputs"]
    method = one(dev, "aws:apigateway/method:Method", "execution-api-post-execute")["inputs"]
    assert (resource["pathPart"], resource["parentId"]) == ("execute", api["outputs"]["rootResourceId"])
    assert (method["httpMethod"], method["authorization"]) == ("POST", "AWS_IAM")
    assert api["inputs"]["endpointConfiguration"] == {"types": "REGIONAL"}
    assert [m["name"] for m in dev.of_type("aws:apigateway/method:Method")] == ["execution-api-post-execute"]


def test_integration_invokes_the_execution_function_asynchronously(dev):
    integration = one(dev, "aws:apigateway/integration:Integration", "execution-api-integration")["inputs"]
    function = one(dev, FUNCTION, "execution-fn-function")
    assert integration["type"] == "AWS"  # a proxy integration cannot set the invocation type
    assert (integration["httpMethod"], integration["integrationHttpMethod"]) == ("POST", "POST")
    assert integration["uri"] == function["outputs"]["invokeArn"]
    assert integration["requestParameters"] == {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}
    assert integration["passthroughBehavior"] == "NEVER"
    assert "$input.json('$')" in integration["requestTemplates"]["application/json"]
    response = one(dev, "aws:apigateway/integrationResponse:IntegrationResponse", "execution-api-accepted-integration")
    assert response["inputs"]["statusCode"] == "202"
    assert (
        one(dev, "aws:apigateway/methodResponse:MethodResponse", "execution-api-accepted")["inputs"]["statusCode"]
        == "202"
    )


def test_resource_policy_allows_the_verification_role_on_post_execute_only(dev):
    api = one(dev, REST, "execution-api")
    role = one(dev, ROLE, "verification-fn-role")
    record = one(dev, "aws:apigateway/restApiPolicy:RestApiPolicy", "execution-api-policy")
    assert record["inputs"]["restApiId"] == api["id"]
    allow, deny = policy_of(record, "policy")["Statement"]
    assert allow == {
        "Sid": "VerificationLayerOnly",
        "Effect": "Allow",
        "Action": ["execute-api:Invoke"],
        "Principal": {"AWS": [role["outputs"]["arn"]]},
        "Resource": [api["outputs"]["executionArn"] + "/prod/POST/execute"],
    }
    # Without the Deny, a same-account principal whose identity policy allows
    # execute-api:Invoke would get through (the resource policy alone does not exclude it).
    assert deny == {
        "Sid": "NoOtherCaller",
        "Effect": "Deny",
        "Action": ["execute-api:Invoke"],
        "Principal": {"AWS": ["*"]},
        "Resource": [api["outputs"]["executionArn"] + "/*"],
        "Condition": {"StringNotEquals": {"aws:PrincipalArn": [role["outputs"]["arn"]]}},
    }
    assert "policy" not in api["inputs"]


def test_lambda_permission_is_scoped_to_post_execute(dev):
    api = one(dev, REST, "execution-api")
    permission = one(dev, PERMISSION, "execution-api-invoke")["inputs"]
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == one(dev, FUNCTION, "execution-fn-function")["outputs"]["name"]
    assert permission["sourceArn"] == api["outputs"]["executionArn"] + "/*/POST/execute"


def test_deployment_redeploys_on_changes_and_waits_for_what_it_deploys(dev):
    deployment = one(dev, "aws:apigateway/deployment:Deployment", "execution-api-deployment")
    trigger = deployment["inputs"]["triggers"]["redeployment"]
    assert len(trigger) == 64 and int(trigger, 16) >= 0
    for name, type_ in (
        ("execution-api-post-execute", "method:Method"),
        ("execution-api-integration", "integration:Integration"),
        ("execution-api-policy", "restApiPolicy:RestApiPolicy"),
    ):
        assert one(dev, f"aws:apigateway/{type_}", name)["urn"] in deployment["dependencies"]


def test_deployment_trigger_covers_ids_templates_and_the_resource_policy(dev):
    deployment = one(dev, "aws:apigateway/deployment:Deployment", "execution-api-deployment")
    method = one(dev, "aws:apigateway/method:Method", "execution-api-post-execute")
    integration = one(dev, "aws:apigateway/integration:Integration", "execution-api-integration")
    method_response = one(dev, "aws:apigateway/methodResponse:MethodResponse", "execution-api-accepted")
    response = one(dev, "aws:apigateway/integrationResponse:IntegrationResponse", "execution-api-accepted-integration")
    policy = one(dev, "aws:apigateway/restApiPolicy:RestApiPolicy", "execution-api-policy")
    parts = {
        "resource": one(dev, "aws:apigateway/resource:Resource", "execution-api-execute")["id"],
        "method": method["id"],
        "authorization": "AWS_IAM",
        "integration": integration["id"],
        "uri": integration["inputs"]["uri"],
        "requestParameters": integration["inputs"]["requestParameters"],
        "requestTemplates": integration["inputs"]["requestTemplates"],
        "methodResponse": method_response["id"],
        "integrationResponse": response["id"],
        "responseTemplates": response["inputs"]["responseTemplates"],
        "policy": policy["inputs"]["policy"],
    }
    assert deployment["inputs"]["triggers"] == {"redeployment": fingerprint(parts)}
    # A resource policy change alone must redeploy: REST APIs serve deployed policies only.
    assert fingerprint({**parts, "policy": parts["policy"].replace("prod/POST", "*/POST")}) != fingerprint(parts)
    assert fingerprint({**parts, "method": "other"}) != fingerprint(parts)


def test_prod_stage_is_traced_throttled_and_unlogged_until_the_account_has_a_logging_role(dev):
    """A fresh account has no API Gateway CloudWatch role, and API Gateway refuses stage
    logging without one: by default the stage deploys with metrics but no logs."""
    deployment = one(dev, "aws:apigateway/deployment:Deployment", "execution-api-deployment")
    stage = one(dev, "aws:apigateway/stage:Stage", "execution-api-stage")["inputs"]
    assert (stage["stageName"], stage["deployment"], stage["xrayTracingEnabled"]) == ("prod", deployment["id"], True)
    assert "accessLogSettings" not in stage
    assert not [r for r in dev.of_type("aws:cloudwatch/logGroup:LogGroup") if r["name"] == "execution-api-access-logs"]
    settings = one(dev, "aws:apigateway/methodSettings:MethodSettings", "execution-api-settings")["inputs"]
    assert (settings["stageName"], settings["methodPath"]) == ("prod", "*/*")
    assert settings["settings"]["throttlingRateLimit"] == 50 and settings["settings"]["throttlingBurstLimit"] == 100
    assert (settings["settings"]["metricsEnabled"], settings["settings"]["loggingLevel"]) == (True, "OFF")


@pytest.mark.parametrize(
    "extra",
    [{"restApiLogging": True}, {"manageApiGatewayAccount": True}],
    ids=["role-already-set", "role-managed-here"],
)
def test_stage_writes_access_and_error_logs_once_the_account_has_a_logging_role(extra):
    run = run_stack("dev", layers(10, **extra))
    stage = one(run, "aws:apigateway/stage:Stage", "execution-api-stage")["inputs"]
    logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "execution-api-access-logs")
    assert stage["accessLogSettings"] == {"destinationArn": logs["outputs"]["arn"], "format": ACCESS_LOG_FORMAT}
    assert "$context.identity.userArn" in json.loads(ACCESS_LOG_FORMAT).values()
    settings = one(run, "aws:apigateway/methodSettings:MethodSettings", "execution-api-settings")["inputs"]
    assert settings["settings"]["loggingLevel"] == "ERROR"
    assert bool(run.of_type("aws:apigateway/account:Account")) == ("manageApiGatewayAccount" in extra)


def test_throttle_setting_reaches_the_stage():
    run = run_stack("dev", layers(10, throttle={"rateLimit": 7, "burstLimit": 11}))
    settings = one(run, "aws:apigateway/methodSettings:MethodSettings", "execution-api-settings")["inputs"]["settings"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (7, 11)


def test_failed_async_events_go_to_an_encrypted_queue_without_retries(dev):
    queue = one(dev, "aws:sqs/queue:Queue", "execution-dlq")
    config = one(dev, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "execution-async")["inputs"]
    assert queue["inputs"]["sqsManagedSseEnabled"] is True
    assert config["functionName"] == one(dev, FUNCTION, "execution-fn-function")["outputs"]["name"]
    assert config["destinationConfig"] == {"onFailure": {"destination": queue["outputs"]["arn"]}}
    assert config["maximumRetryAttempts"] == 0
    assert _by_action(_statements(dev, "execution-fn-policy"))[("sqs:SendMessage",)] == [queue["outputs"]["arn"]]


def test_execution_role_reads_its_token_and_calls_its_model_only(dev):
    by_action = _by_action(_statements(dev, "execution-fn-policy"))
    token = one(dev, "aws:secretsmanager/secret:Secret", "execution-bot-token")
    assert by_action[("secretsmanager:GetSecretValue",)] == [token["outputs"]["arn"]]
    assert by_action[("bedrock:InvokeModel",)] == [
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    ]
    env = one(dev, FUNCTION, "execution-fn-function")["inputs"]["environment"]["variables"]
    assert env["SLACK_BOT_TOKEN_SECRET_ID"] == token["outputs"]["arn"]
    assert (env["BEDROCK_MODEL_ID"], env["SLACK_API_BASE_URL"]) == (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "https://slack.com/api",
    )
    assert token["inputs"]["name"] == "iam-platform/dev/slack/bot-token"


def test_verification_role_below_100_percent(dev):
    api = one(dev, REST, "execution-api")
    execution = one(dev, FUNCTION, "execution-fn-function")
    signing = one(dev, "aws:secretsmanager/secret:Secret", "verification-signing-secret")
    by_action = _by_action(_statements(dev, "verification-fn-policy"))
    assert by_action[("execute-api:Invoke",)] == [api["outputs"]["executionArn"] + "/prod/POST/execute"]
    assert by_action[("lambda:InvokeFunction",)] == [execution["outputs"]["arn"]]
    assert by_action[("secretsmanager:GetSecretValue",)] == [signing["outputs"]["arn"]]
    env = one(dev, FUNCTION, "verification-fn-function")["inputs"]["environment"]["variables"]
    assert env["ROLLOUT_PERCENT"] == "10"
    assert env["EXECUTION_FUNCTION_ARN"] == execution["outputs"]["arn"]
    assert env["EXECUTION_API_URL"] == dev.outputs["executionApiUrl"]
    assert env["SLACK_SIGNING_SECRET_ID"] == signing["outputs"]["arn"]


def test_at_100_percent_no_direct_invoke_anywhere_in_verification_policies(full):
    execution_arn = one(full, FUNCTION, "execution-fn-function")["outputs"]["arn"]
    role = one(full, ROLE, "verification-fn-role")
    policies = [p for p in full.of_type(POLICY) if p["inputs"]["role"] == role["id"]]
    assert [p["name"] for p in policies] == ["verification-fn-policy"]
    for policy in policies:
        for statement in policy_of(policy, "policy")["Statement"]:
            assert not any(a.startswith("lambda:Invoke") or a in ("lambda:*", "*") for a in statement["Action"])
            assert execution_arn not in statement["Resource"]
    assert not [
        r
        for r in full.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r["inputs"].get("role") == role["id"]
    ]
    env = one(full, FUNCTION, "verification-fn-function")["inputs"]["environment"]["variables"]
    assert "EXECUTION_FUNCTION_ARN" not in env and env["ROLLOUT_PERCENT"] == "100"


def test_function_url_is_public_on_purpose_and_only_as_a_url(dev):
    function = one(dev, FUNCTION, "verification-fn-function")["outputs"]["name"]
    url = one(dev, "aws:lambda/functionUrl:FunctionUrl", "verification-url")
    assert (url["inputs"]["functionName"], url["inputs"]["authorizationType"]) == (function, "NONE")
    public = one(dev, PERMISSION, "verification-url-public")["inputs"]
    assert (public["action"], public["principal"], public["functionUrlAuthType"]) == (
        "lambda:InvokeFunctionUrl",
        "*",
        "NONE",
    )
    invoke = one(dev, PERMISSION, "verification-url-invoke")["inputs"]
    assert (invoke["action"], invoke["principal"], invoke["invokedViaFunctionUrl"]) == (
        "lambda:InvokeFunction",
        "*",
        True,
    )
    assert public["function"] == invoke["function"] == function
    assert dev.outputs["slackEventsUrl"] == url["outputs"]["functionUrl"]


def test_api_url_output_points_at_the_prod_stage(dev):
    api = one(dev, REST, "execution-api")
    assert dev.outputs["executionApiUrl"] == f"https://{api['id']}.execute-api.eu-west-1.amazonaws.com/prod/execute"


def test_alarms_when_enabled_notify_the_stack_topic():
    run = run_stack("dev", {**layers(10), "iam-platform:observability": {"alarmsEnabled": True}})
    topic = one(run, "aws:sns/topic:Topic", "alarms-topic")["outputs"]["arn"]
    alarms = {a["name"]: a["inputs"] for a in run.of_type(ALARM)}
    api_name = one(run, REST, "execution-api")["outputs"]["name"]
    for name, metric in (("execution-api-4xx-alarm", "4XXError"), ("execution-api-5xx-alarm", "5XXError")):
        assert (alarms[name]["metricName"], alarms[name]["statistic"]) == (metric, "Sum")
        assert alarms[name]["dimensions"] == {"ApiName": api_name, "Stage": "prod"}
    latency = alarms["execution-api-latency-alarm"]
    assert (latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == ("Latency", "p99", 3000)
    dlq = alarms["execution-dlq-alarm"]
    assert dlq["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["dimensions"] == {"QueueName": one(run, "aws:sqs/queue:Queue", "execution-dlq")["outputs"]["name"]}
    for name in (
        "execution-api-4xx-alarm",
        "execution-api-5xx-alarm",
        "execution-api-latency-alarm",
        "execution-dlq-alarm",
        "verification-fn-errors-alarm",
        "execution-fn-errors-alarm",
    ):
        assert alarms[name]["alarmActions"] == [topic]


def test_no_layer_alarms_without_the_setting(dev):
    assert not dev.of_type(ALARM)


def test_disabled_layers_declare_nothing():
    run = run_stack("dev", {LAYERS: {"enabled": False}})
    assert not [r for r in run.records if "execution" in r["urn"] or "verification" in r["urn"]]
    assert "slackEventsUrl" not in run.outputs and "executionApiUrl" not in run.outputs


def test_components_nest_their_resources(dev):
    execution = one(dev, "iam-platform:layers:ExecutionLayer", "execution")
    api = one(dev, "iam-platform:layers:ExecutionApi", "execution-api")
    verification = one(dev, "iam-platform:layers:VerificationLayer", "verification")
    assert api["parent"] == execution["urn"]
    assert one(dev, REST, "execution-api")["parent"] == api["urn"]
    assert one(dev, "aws:apigateway/restApiPolicy:RestApiPolicy", "execution-api-policy")["parent"] == api["urn"]
    assert one(dev, "iam-platform:function:ServiceFunction", "verification-fn")["parent"] == verification["urn"]
    assert one(dev, "aws:lambda/functionUrl:FunctionUrl", "verification-url")["parent"] == verification["urn"]


@pytest.mark.parametrize("stack,percent", [("dev", 10), ("staging", 50), ("prod", 100)])
def test_stack_files_enable_both_layers(stack, percent):
    run = run_stack(stack)
    env = one(run, FUNCTION, "verification-fn-function")["inputs"]["environment"]["variables"]
    assert env["ROLLOUT_PERCENT"] == str(percent)
    assert ("EXECUTION_FUNCTION_ARN" in env) is (percent < 100)


def test_prod_protects_the_slack_secrets():
    run = run_stack("prod")
    for name in ("verification-signing-secret", "execution-bot-token"):
        secret = one(run, "aws:secretsmanager/secret:Secret", name)
        assert secret["protect"] is True and secret["inputs"]["recoveryWindowInDays"] == 30


def test_role_policies_lint_clean_with_parliament(dev):
    from policies.parliament_loader import load_parliament

    analyze_policy_string = load_parliament().analyze_policy_string
    verification = analyze_policy_string(one(dev, POLICY, "verification-fn-policy")["inputs"]["policy"])
    assert verification.findings == []
    # parliament 1.6.4's bundled IAM data marks every Bedrock resource type as required for
    # bedrock:InvokeModel, so any scoped foundation-model ARN is reported; nothing else may be.
    execution = analyze_policy_string(one(dev, POLICY, "execution-fn-policy")["inputs"]["policy"])
    assert [(f.issue, {d["action"] for d in f.detail}) for f in execution.findings] == [
        ("RESOURCE_MISMATCH", {"bedrock:InvokeModel"})
    ]


@pytest.mark.parametrize("stack", ["prod"])
def test_prod_file_at_100_percent_has_no_direct_invoke(stack):
    run = run_stack(stack)
    execution_arn = one(run, FUNCTION, "execution-fn-function")["outputs"]["arn"]
    statements = _statements(run, "verification-fn-policy")
    assert all(execution_arn not in s["Resource"] and "lambda:InvokeFunction" not in s["Action"] for s in statements)


def test_account_logging_role_only_when_asked(dev):
    assert not dev.of_type("aws:apigateway/account:Account")
    run = run_stack("dev", layers(10, manageApiGatewayAccount=True))
    account = one(run, "aws:apigateway/account:Account", "execution-api-account")
    role = one(run, ROLE, "execution-api-cloudwatch-role")
    assert account["inputs"]["cloudwatchRoleArn"] == role["outputs"]["arn"]
    assert policy_of(role, "assumeRolePolicy")["Statement"][0]["Principal"] == {"Service": ["apigateway.amazonaws.com"]}
    attachment = one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "execution-api-cloudwatch-logs")
    assert attachment["inputs"]["policyArn"].endswith(":policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    assert account["urn"] in one(run, "aws:apigateway/stage:Stage", "execution-api-stage")["dependencies"]
    assert (
        account["urn"]
        in one(run, "aws:apigateway/methodSettings:MethodSettings", "execution-api-settings")["dependencies"]
    )


def test_turning_logs_off_while_managing_the_account_role_is_refused():
    with pytest.raises(StackConfigError) as error:
        run_stack("dev", layers(10, manageApiGatewayAccount=True, restApiLogging=False))
    assert "iam-platform:layers" in str(error.value) and "restApiLogging" in str(error.value)
