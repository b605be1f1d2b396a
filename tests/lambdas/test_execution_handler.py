"""The execution handler: payload validation, cached bot token (moto), Bedrock (Stubber),
Slack (a local chat.postMessage)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.execution import handler as execution
from tests.support.broken_http import broken_http_server
from tests.support.constants import REGION
from tests.support.layers import FakeSlack, moto_secret
from tests.support.local_http import serve

TOKEN_ID = "iam-platform/test/slack/bot-token"
TOKEN = "xoxb-test-0000-secret"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PAYLOAD = {"channel": "C0123ABCD", "text": "What is SigV4?", "thread_ts": "1700000000.000100", "event_id": "Ev01"}


def converse_reply(text="SigV4 signs requests."):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10},
        "metrics": {"latencyMs": 12},
    }


def expected_converse(text=PAYLOAD["text"]):
    return {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": text}]}],
        "inferenceConfig": {"maxTokens": 512},
    }


@pytest.fixture(scope="module")
def secrets_client():
    with moto_secret(TOKEN_ID, TOKEN) as client:
        yield client


@pytest.fixture
def slack():
    fake = FakeSlack()
    with serve(fake) as url:
        fake.url = url
        yield fake


@pytest.fixture
def bedrock():
    client = boto3.client("bedrock-runtime", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.fixture
def setup(aws_env, monkeypatch, secrets_client, slack, bedrock):
    monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET_ID", TOKEN_ID)
    monkeypatch.setenv("BEDROCK_MODEL_ID", MODEL)
    monkeypatch.setenv("SLACK_API_BASE_URL", slack.url + "/api")
    execution.reset_state(secrets=secrets_client, bedrock=bedrock[0])
    yield slack, bedrock[1]
    execution.reset_state()


def run(event, context):
    response = execution.handler(event, context)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("shape", ["api", "direct", "proxy"])
def test_reply_is_posted_in_the_thread(setup, lambda_context, shape):
    slack, stubber = setup
    stubber.add_response("converse", converse_reply(), expected_converse())
    event = {
        "api": {"source": "api", "payload": PAYLOAD, "requestId": "r1", "caller": "arn:aws:iam::1:role/v"},
        "direct": {"source": "direct", "payload": PAYLOAD},
        "proxy": {"body": json.dumps(PAYLOAD), "headers": {}},
    }[shape]
    assert run(event, lambda_context) == (200, {"ok": True, "ts": "1700000001.000200"})
    [post] = slack.calls
    assert (post["method"], post["path"]) == ("POST", "/api/chat.postMessage")
    assert post["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert post["json"] == {"channel": "C0123ABCD", "text": "SigV4 signs requests.", "thread_ts": "1700000000.000100"}
    stubber.assert_no_pending_responses()


def test_bot_token_is_read_once_per_container(setup, lambda_context, secrets_client):
    slack, stubber = setup
    reads = []
    secrets_client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **kw: reads.append(1))
    try:
        for _ in range(3):
            stubber.add_response("converse", converse_reply(), expected_converse())
            assert run({"payload": PAYLOAD}, lambda_context)[0] == 200
    finally:
        secrets_client.meta.events.unregister("before-call.secrets-manager.GetSecretValue")
    assert len(reads) == 1 and len(slack.calls) == 3


@pytest.mark.parametrize(
    "payload,field",
    [
        ({**PAYLOAD, "bot_token": "xoxb-1"}, "bot_token"),
        ({k: v for k, v in PAYLOAD.items() if k != "channel"}, "channel"),
        ({**PAYLOAD, "text": ""}, "text"),
        ({**PAYLOAD, "thread_ts": "now"}, "thread_ts"),
        ({**PAYLOAD, "channel": "c-lower; DROP"}, "channel"),
    ],
)
def test_bad_payload_is_a_clear_400_and_posts_nothing(setup, lambda_context, payload, field):
    slack, _ = setup
    status, body = run({"source": "api", "payload": payload}, lambda_context)
    assert (status, body["error"]) == (400, "INVALID_PAYLOAD")
    assert field in body["message"] and "xoxb" not in json.dumps(body)
    assert slack.calls == []


def test_a_proxy_body_nested_too_deep_is_invalid_payload(setup, lambda_context):
    slack, _ = setup
    status, body = run({"body": '{"channel":' + "[" * 100_000 + "]" * 100_000 + "}"}, lambda_context)
    assert (status, body["error"]) == (400, "INVALID_PAYLOAD")
    assert slack.calls == []


def test_bedrock_failure_raises_a_code_before_posting(setup, lambda_context):
    slack, stubber = setup
    stubber.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(execution.ExecutionFailed) as caught:
        execution.handler({"payload": PAYLOAD}, lambda_context)
    assert str(caught.value) == "BEDROCK_ThrottlingException"
    assert slack.calls == []


def test_slack_rejection_is_returned_not_raised(setup, lambda_context):
    slack, stubber = setup
    slack.reply = {"ok": False, "error": "channel_not_found"}
    stubber.add_response("converse", converse_reply(), expected_converse())
    status, body = run({"payload": PAYLOAD}, lambda_context)
    assert (status, body["error"]) == (502, "SLACK_REJECTED")
    assert "channel_not_found" in body["message"] and TOKEN not in json.dumps(body)
    assert len(slack.calls) == 1


def test_unreachable_slack_is_not_retried(setup, lambda_context, monkeypatch):
    _, stubber = setup
    monkeypatch.setenv("SLACK_API_BASE_URL", "http://127.0.0.1:9/api")  # discard port: nothing listens
    execution.reset_state(secrets=execution._overrides["secrets"], bedrock=execution._overrides["bedrock"])
    stubber.add_response("converse", converse_reply(), expected_converse())
    status, body = run({"payload": PAYLOAD}, lambda_context)
    assert (status, body["error"]) == (502, "SLACK_UNREACHABLE")


@pytest.mark.parametrize(
    "answer",
    [
        b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"ok": true',  # truncated
        b"garbage\r\n\r\n",
    ],
)  # bad status
def test_a_broken_slack_answer_is_unreachable_not_raised(setup, lambda_context, monkeypatch, answer):
    _, stubber = setup
    with broken_http_server(answer) as (url, requests):
        monkeypatch.setenv("SLACK_API_BASE_URL", url + "/api")
        execution.reset_state(secrets=execution._overrides["secrets"], bedrock=execution._overrides["bedrock"])
        stubber.add_response("converse", converse_reply(), expected_converse())
        status, body = run({"payload": PAYLOAD}, lambda_context)
    assert (status, body["error"]) == (502, "SLACK_UNREACHABLE")
    assert len(requests) == 1 and TOKEN not in json.dumps(body)


@pytest.mark.parametrize(
    "name, value",
    [
        ("BEDROCK_MAX_TOKENS", "²"),
        ("BOT_TOKEN_TTL_SECONDS", "³"),
        ("BEDROCK_MAX_TOKENS", "-5"),
        ("BOT_TOKEN_TTL_SECONDS", "9" * 5000),
    ],
)
def test_invalid_number_setting_raises_settings_error(setup, lambda_context, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    execution.reset_state(secrets=execution._overrides["secrets"], bedrock=execution._overrides["bedrock"])
    with pytest.raises(execution.SettingsError, match=f"^{name} "):
        execution.handler({"payload": PAYLOAD}, lambda_context)
    assert setup[0].calls == []


def test_missing_token_secret_raises_a_code(setup, lambda_context, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN_SECRET_ID", "no-such-secret")
    execution.reset_state(secrets=execution._overrides["secrets"], bedrock=execution._overrides["bedrock"])
    with pytest.raises(execution.ExecutionFailed, match=r"^TOKEN_ResourceNotFoundException$"):
        execution.handler({"payload": PAYLOAD}, lambda_context)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["payload", "body", "channel", "text", "source"]) | st.text(max_size=6),
                inner,
                max_size=4,
            )
        ),
        max_leaves=10,
    )
)
def test_any_malformed_event_is_a_400_json_answer(setup, lambda_context, event):
    status, body = run(event, lambda_context)
    assert status == 400 and body["error"] == "INVALID_PAYLOAD"
