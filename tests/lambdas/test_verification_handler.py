"""The verification handler with Function URL events, the signing secret in moto."""

from __future__ import annotations

import http.client
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.verification import handler as verification
from lambdas.verification.rollout import conversation_key, routes_to_api
from tests.support.layers import SIGNING_SECRET, function_url_event, moto_secret, signed_request, slack_event

SECRET_ID = "iam-platform/test/slack/signing-secret"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:execution-fn-function-abc"
API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/execute"
NOW = 1_795_000_000.0


class FakeApi:
    def __init__(self, status=202, error=None):
        self.status, self.error, self.calls = status, error, []

    def request(self, method, url, json_body=None, headers=None, timeout=10):
        self.calls.append((method, url, json_body))
        if self.error:
            raise self.error
        return self.status, {}, b"{}"


class FakeLambda:
    def __init__(self):
        self.calls = []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        return {"StatusCode": 202}


@pytest.fixture(scope="module")
def secrets_client():
    with moto_secret(SECRET_ID, SIGNING_SECRET) as client:
        yield client


@pytest.fixture
def env(aws_env, monkeypatch):
    monkeypatch.setenv("SLACK_SIGNING_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("EXECUTION_API_URL", API_URL)
    monkeypatch.setenv("EXECUTION_FUNCTION_ARN", FUNCTION_ARN)
    monkeypatch.setenv("ROLLOUT_PERCENT", "0")
    return monkeypatch


@pytest.fixture
def parts(env, secrets_client):
    api, lambda_client = FakeApi(), FakeLambda()
    verification.reset_state(secrets=secrets_client, lambda_client=lambda_client, api=api, clock=lambda: NOW)
    yield api, lambda_client
    verification.reset_state()


def call(event, context):
    response = verification.handler(event, context)
    assert response["headers"]["Content-Type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])


def _key_routed(percent, want):
    return next(
        f"C{n:08d}"
        for n in range(10_000)
        if routes_to_api(conversation_key(f"C{n:08d}", "1700000000.000100"), percent) is want
    )


def test_url_verification_challenge(parts, lambda_context):
    status, body = call(signed_request({"type": "url_verification", "challenge": "3eZbrw1aB"}, NOW), lambda_context)
    assert (status, body) == (200, {"challenge": "3eZbrw1aB"})


def test_event_at_0_percent_goes_direct_with_only_the_work(parts, lambda_context):
    api, direct = parts
    status, body = call(signed_request(slack_event("hi there", thread_ts="1690000000.000001"), NOW), lambda_context)
    assert (status, body) == (200, {"ok": True, "dispatched": "direct"})
    assert api.calls == []
    [invoke] = direct.calls
    assert (invoke["FunctionName"], invoke["InvocationType"]) == (FUNCTION_ARN, "Event")
    assert json.loads(invoke["Payload"]) == {
        "source": "direct",
        "payload": {
            "channel": "C0123ABCD",
            "text": "hi there",
            "thread_ts": "1690000000.000001",
            "event_id": "Ev0123ABCDEF",
        },
    }
    assert "token" not in invoke["Payload"].decode()


def test_event_routed_to_the_api_by_its_conversation(parts, env, lambda_context):
    api, direct = parts
    env.setenv("ROLLOUT_PERCENT", "50")
    channel = _key_routed(50, True)
    status, body = call(signed_request(slack_event(channel=channel), NOW), lambda_context)
    assert (status, body) == (200, {"ok": True, "dispatched": "api"})
    assert api.calls == [
        (
            "POST",
            API_URL,
            {"channel": channel, "text": "hello", "thread_ts": "1700000000.000100", "event_id": "Ev0123ABCDEF"},
        )
    ]
    assert direct.calls == []


def test_same_conversation_keeps_its_path_at_partial_rollout(parts, env, lambda_context):
    api, direct = parts
    env.setenv("ROLLOUT_PERCENT", "50")
    channel = _key_routed(50, False)
    for n in range(3):
        call(signed_request(slack_event(channel=channel, event_id=f"Ev{n}"), NOW), lambda_context)
    assert (len(api.calls), len(direct.calls)) == (0, 3)


@pytest.mark.parametrize(
    "failure",
    [
        FakeApi(status=403),
        FakeApi(status=500),
        FakeApi(error=TimeoutError()),
        FakeApi(error=http.client.BadStatusLine("garbage")),
        FakeApi(error=http.client.IncompleteRead(b'{"o', 96)),
    ],
)
def test_failed_api_call_falls_back_below_100_percent(env, secrets_client, lambda_context, failure, caplog):
    env.setenv("ROLLOUT_PERCENT", "99")
    direct = FakeLambda()
    verification.reset_state(secrets=secrets_client, lambda_client=direct, api=failure, clock=lambda: NOW)
    status, body = call(signed_request(slack_event(channel=_key_routed(99, True)), NOW), lambda_context)
    assert (status, body) == (200, {"ok": True, "dispatched": "direct"})
    assert len(failure.calls) == 1 and len(direct.calls) == 1
    logged = [r for r in caplog.records if "execution API" in r.getMessage()]
    assert logged


def test_at_100_percent_there_is_no_fallback(env, secrets_client, lambda_context):
    env.setenv("ROLLOUT_PERCENT", "100")
    env.delenv("EXECUTION_FUNCTION_ARN")
    direct, api = FakeLambda(), FakeApi(status=403)
    verification.reset_state(secrets=secrets_client, lambda_client=direct, api=api, clock=lambda: NOW)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (502, "DISPATCH_FAILED")
    assert direct.calls == [] and len(api.calls) == 1


@pytest.mark.parametrize("error", [http.client.BadStatusLine("garbage"), http.client.IncompleteRead(b"{", 9)])
def test_at_100_percent_a_broken_http_answer_is_dispatch_failed(env, secrets_client, lambda_context, error, caplog):
    env.setenv("ROLLOUT_PERCENT", "100")
    env.delenv("EXECUTION_FUNCTION_ARN")
    direct, api = FakeLambda(), FakeApi(error=error)
    verification.reset_state(secrets=secrets_client, lambda_client=direct, api=api, clock=lambda: NOW)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (502, "DISPATCH_FAILED")
    assert "Traceback" not in caplog.text


def test_a_signed_body_nested_too_deep_is_bad_request(parts, lambda_context, caplog):
    api, direct = parts
    status, body = call(signed_request('{"type":' + "[" * 100_000 + "]" * 100_000 + "}", NOW), lambda_context)
    assert (status, body["error"]) == (400, "BAD_REQUEST")
    assert api.calls == direct.calls == [] and "Traceback" not in caplog.text


def test_unexpected_failures_log_the_type_only(parts, lambda_context, monkeypatch, caplog):
    def broken(event):
        raise KeyError("xoxb-secret-in-a-message")

    monkeypatch.setattr(verification, "respond", broken)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (500, "INTERNAL")
    [record] = [r for r in caplog.records if r.getMessage() == "unexpected failure"]
    assert record.error_type == "KeyError" and record.exc_info is None
    assert "Traceback" not in caplog.text and "xoxb-secret" not in caplog.text


def test_at_100_percent_a_leftover_function_arn_is_ignored(env):
    env.setenv("ROLLOUT_PERCENT", "100")
    assert verification.load_settings().function_arn is None


def test_retry_is_acknowledged_without_dispatching_again(parts, lambda_context):
    api, direct = parts
    event = signed_request(
        slack_event(), NOW, extra_headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    )
    assert call(event, lambda_context) == (200, {"ok": True, "ignored": "retry"})
    assert api.calls == direct.calls == []


@pytest.mark.parametrize(
    "fields,reason",
    [
        ({"bot_id": "B1"}, "bot_or_system_message"),
        ({"subtype": "message_changed"}, "bot_or_system_message"),
        ({"type": "reaction_added"}, "unsupported_event"),
    ],
)
def test_events_it_does_not_act_on_are_acknowledged(parts, lambda_context, fields, reason):
    assert call(signed_request(slack_event(**fields), NOW), lambda_context) == (200, {"ok": True, "ignored": reason})
    assert parts[0].calls == parts[1].calls == []


def test_tampered_body_is_refused(parts, lambda_context):
    event = signed_request(slack_event("hello"), NOW)
    event["body"] = event["body"].replace("hello", "hellO")
    assert call(event, lambda_context) == (
        401,
        {"error": "BAD_SIGNATURE", "message": "The request signature does not match."},
    )
    assert parts[1].calls == []


def test_stale_request_is_refused(parts, lambda_context):
    status, body = call(signed_request(slack_event(), NOW - 301), lambda_context)
    assert (status, body["error"]) == (401, "STALE_REQUEST")


@pytest.mark.parametrize("drop", ["x-slack-signature", "x-slack-request-timestamp"])
def test_missing_headers_are_refused(parts, lambda_context, drop):
    event = signed_request(slack_event(), NOW)
    del event["headers"][drop]
    status, body = call(event, lambda_context)
    assert (status, body["error"]) == (401, "MISSING_SIGNATURE")


def test_base64_body_is_verified_on_its_bytes(parts, lambda_context):
    status, body = call(signed_request(slack_event(), NOW, base64_body=True), lambda_context)
    assert (status, body["dispatched"]) == (200, "direct")


def test_wrong_method_and_unreadable_body(parts, lambda_context):
    assert call(function_url_event("{}", method="GET"), lambda_context)[0] == 405
    event = function_url_event("{}", base64_body=True)
    event["body"] = "%%%not-base64"
    assert call(event, lambda_context) == (400, {"error": "BAD_REQUEST", "message": "The request body is unreadable."})


@pytest.mark.parametrize("secret", [None, "", '{"other": 1}'])
def test_signing_secret_unavailable_is_503_without_details(env, secrets_client, lambda_context, secret):
    name = f"missing-or-empty-{secret!r}".replace(" ", "").replace('"', "").replace("{", "").replace("}", "")
    if (
        secret is not None
        and not secrets_client.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]
    ):
        secrets_client.create_secret(Name=name, SecretString=secret or "{}")
    env.setenv("SLACK_SIGNING_SECRET_ID", name)
    verification.reset_state(secrets=secrets_client, lambda_client=FakeLambda(), api=FakeApi(), clock=lambda: NOW)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (503, "SECRET_UNAVAILABLE")
    assert name not in json.dumps(body)


def test_missing_setting_is_500_misconfigured(env, secrets_client, lambda_context):
    env.delenv("SLACK_SIGNING_SECRET_ID")
    verification.reset_state(secrets=secrets_client)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (500, "MISCONFIGURED")


@pytest.mark.parametrize(
    "name, value",
    [
        ("SIGNING_SECRET_TTL_SECONDS", "²"),
        ("SIGNING_SECRET_TTL_SECONDS", "-1"),
        ("ROLLOUT_PERCENT", "²"),
        ("ROLLOUT_PERCENT", "101"),
        ("ROLLOUT_PERCENT", "9" * 5000),
    ],
)
def test_invalid_number_setting_is_500_misconfigured(env, secrets_client, lambda_context, name, value, caplog):
    env.setenv(name, value)
    verification.reset_state(secrets=secrets_client)
    status, body = call(signed_request(slack_event(), NOW), lambda_context)
    assert (status, body["error"]) == (500, "MISCONFIGURED")
    assert any(getattr(r, "problem", "").startswith(name) for r in caplog.records)


def test_signing_secret_is_cached(parts, lambda_context, secrets_client):
    calls = []
    secrets_client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **kw: calls.append(1))
    for _ in range(3):
        call(signed_request(slack_event(), NOW), lambda_context)
    secrets_client.meta.events.unregister("before-call.secrets-manager.GetSecretValue")
    assert len(calls) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
slack_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]) | st.text(max_size=5),
        "challenge": json_values,
        "event_id": json_values,
        "event": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["app_mention", "message"]) | json_values,
                "channel": json_values,
                "text": json_values,
                "ts": json_values,
                "thread_ts": json_values,
                "bot_id": json_values,
                "subtype": json_values,
            },
        )
        | json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=json_values
    | st.dictionaries(st.sampled_from(["headers", "body", "isBase64Encoded", "requestContext", "version"]), json_values)
)
def test_any_event_shape_gets_a_json_4xx_never_an_exception(parts, lambda_context, event):
    response = verification.handler(event, lambda_context)
    assert 400 <= response["statusCode"] < 500
    assert set(json.loads(response["body"])) == {"error", "message"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=slack_like | json_values, retry=st.booleans(), base64_body=st.booleans())
def test_any_signed_body_gets_a_json_2xx_or_4xx(parts, lambda_context, document, retry, base64_body):
    headers = {"x-slack-retry-num": "1"} if retry else None
    response = verification.handler(
        signed_request(json.dumps(document), NOW, extra_headers=headers, base64_body=base64_body), lambda_context
    )
    assert response["statusCode"] in (200, 400), response
    body = json.loads(response["body"])
    assert isinstance(body, dict) and (response["statusCode"] == 200 or set(body) == {"error", "message"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(max_size=60) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    timestamp=st.none() | st.text(max_size=14) | st.integers(-(10**12), 10**13).map(str),
    signature=st.none() | st.text(max_size=70) | st.just("v0=" + "0" * 64),
    retry=st.none() | st.text(max_size=4),
    base64_flag=st.sampled_from([True, False, None, "yes"]),
)
def test_any_post_with_forged_or_broken_signature_gets_a_json_4xx(
    parts, lambda_context, body, timestamp, signature, retry, base64_flag
):
    headers = {
        k: v
        for k, v in {
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
            "x-slack-retry-num": retry,
        }.items()
        if v is not None
    }
    event = function_url_event(body.encode("utf-8", "surrogatepass"), headers)
    event["isBase64Encoded"] = base64_flag
    response = verification.handler(event, lambda_context)
    assert response["statusCode"] in (400, 401), response
    assert set(json.loads(response["body"])) == {"error", "message"}
    assert parts[0].calls == parts[1].calls == []
