"""Slack → verification handler → SigV4 → local gateway → execution handler → Bedrock
(stubbed) → local Slack. The only fakes are the AWS endpoints moto and Stubber stand in for
and the gateway, which checks signatures the way API Gateway does."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.execution import handler as execution
from lambdas.verification import handler as verification
from tests.support.constants import REGION
from tests.support.layers import SIGNING_SECRET, FakeSlack, signed_request, slack_event
from tests.support.local_http import serve
from tests.support.sigv4_gateway import EXECUTE_API, Identity, SigV4Gateway

ROLE = "arn:aws:sts::123456789012:assumed-role/verification-fn-role-abc/verification-fn-function"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


class NoDirectInvoke:
    def invoke(self, **kwargs):
        raise AssertionError("at 100 % nothing is invoked directly")


@pytest.fixture
def world(aws_env, monkeypatch, lambda_context):
    # Keep the fake Lambda credentials of aws_env (moto would swap in its own, without a token).
    with mock_aws(config={"core": {"mock_credentials": False}}):
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secrets.create_secret(Name="slack/signing", SecretString=SIGNING_SECRET)
        secrets.create_secret(Name="slack/bot", SecretString=json.dumps({"botToken": "xoxb-e2e"}))
        bedrock = boto3.client("bedrock-runtime", region_name=REGION)
        slack = FakeSlack()
        with Stubber(bedrock) as stubber, serve(slack) as slack_url:
            # The Lambda credentials of the verification role, as the runtime hands them over.
            gateway = SigV4Gateway(
                lambda event, _: execution.handler(event, lambda_context),
                {"testing": Identity("testing", ROLE, "testing")},
                integration=EXECUTE_API,
                allowed_arn=ROLE,
            )
            with gateway:
                for name, value in {
                    "SLACK_SIGNING_SECRET_ID": "slack/signing",
                    "ROLLOUT_PERCENT": "100",
                    "EXECUTION_API_URL": gateway.url,
                    "SLACK_BOT_TOKEN_SECRET_ID": "slack/bot",
                    "BEDROCK_MODEL_ID": MODEL,
                    "SLACK_API_BASE_URL": slack_url + "/api",
                }.items():
                    monkeypatch.setenv(name, value)
                monkeypatch.delenv("EXECUTION_FUNCTION_ARN", raising=False)
                verification.reset_state(secrets=secrets, lambda_client=NoDirectInvoke())
                execution.reset_state(secrets=secrets, bedrock=bedrock)
                yield gateway, slack, stubber
                verification.reset_state()
                execution.reset_state()


def test_a_slack_mention_is_answered_in_its_thread_through_the_signed_api(world, lambda_context):
    gateway, slack, stubber = world
    stubber.add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello from Bedrock"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 3, "totalTokens": 4},
            "metrics": {"latencyMs": 9},
        },
        {
            "modelId": MODEL,
            "messages": [{"role": "user", "content": [{"text": "ping"}]}],
            "inferenceConfig": {"maxTokens": 512},
        },
    )
    response = verification.handler(
        signed_request(slack_event("ping", thread_ts="1700000000.000001"), time.time()), lambda_context
    )
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"ok": True, "dispatched": "api"})
    assert gateway.rejected == [] and gateway.failures == []
    [event] = gateway.received
    assert event["caller"] == ROLE
    assert event["payload"] == {
        "channel": "C0123ABCD",
        "text": "ping",
        "thread_ts": "1700000000.000001",
        "event_id": "Ev0123ABCDEF",
    }
    [post] = slack.calls
    assert post["headers"]["authorization"] == "Bearer xoxb-e2e"
    assert post["json"] == {"channel": "C0123ABCD", "text": "Hello from Bedrock", "thread_ts": "1700000000.000001"}


def test_a_wrong_role_secret_is_refused_by_the_gateway_and_reported(world, lambda_context, monkeypatch):
    gateway, slack, _ = world
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-role-secret")
    verification.reset_state(secrets=verification._overrides["secrets"], lambda_client=NoDirectInvoke())
    response = verification.handler(signed_request(slack_event("ping"), time.time()), lambda_context)
    assert (response["statusCode"], json.loads(response["body"])["error"]) == (502, "DISPATCH_FAILED")
    assert gateway.rejected and "does not match" in gateway.rejected[0]
    assert gateway.received == [] and slack.calls == []
