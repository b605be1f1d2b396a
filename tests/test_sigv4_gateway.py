"""The local SigV4-verifying gateway refuses what API Gateway's IAM authorization refuses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support.sigv4_gateway import Identity, SigV4Gateway, verify

ARN = "arn:aws:iam::123456789012:user/alice"
IDENTITIES = {"AKIDALICE": Identity("secret", ARN), "AKIDTOKEN": Identity("secret2", ARN, "tok")}


def signed(
    url="http://127.0.0.1:1/?profile=prod",
    method="GET",
    body=b"",
    key="AKIDALICE",
    secret="secret",
    token=None,
    region="eu-west-1",
    service="execute-api",
):
    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials(key, secret, token), service, region).add_auth(request)
    prepared = request.prepare()
    return prepared.method, prepared.url, dict(prepared.headers.items()), prepared.body or b""


def test_a_good_signature_names_its_identity():
    method, url, headers, body = signed()
    assert verify(method, url, headers, body, IDENTITIES, "eu-west-1").user_arn == ARN


def test_session_tokens_must_match():
    method, url, headers, body = signed(key="AKIDTOKEN", secret="secret2", token="tok")
    assert verify(method, url, headers, body, IDENTITIES, "eu-west-1").session_token == "tok"
    method, url, headers, body = signed(key="AKIDTOKEN", secret="secret2", token="other")
    with pytest.raises(ValueError, match="token"):
        verify(method, url, headers, body, IDENTITIES, "eu-west-1")


def test_temporary_credentials_need_their_session_token_sent_and_signed():
    method, url, headers, body = signed(key="AKIDTOKEN", secret="secret2")  # signed without the token
    with pytest.raises(ValueError, match="token"):
        verify(method, url, headers, body, IDENTITIES, "eu-west-1")
    with pytest.raises(ValueError, match="must be signed"):  # the token added after signing
        verify(method, url, {**headers, "X-Amz-Security-Token": "tok"}, body, IDENTITIES, "eu-west-1")
    method, url, headers, body = signed(key="AKIDTOKEN", secret="secret2", token="tok")
    with pytest.raises(ValueError, match="token"):  # the signed token header dropped on the way
        verify(
            method,
            url,
            {k: v for k, v in headers.items() if k != "X-Amz-Security-Token"},
            body,
            IDENTITIES,
            "eu-west-1",
        )
    with pytest.raises(ValueError, match="token"):  # a token with long-term credentials
        verify(*signed(token="tok"), IDENTITIES, "eu-west-1")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m, u, h, b: (m, u.replace("prod", "admin"), h, b), "signature"),
        (lambda m, u, h, b: (m, u.replace("/?", "/admin?"), h, b), "signature"),  # another path
        (lambda m, u, h, b: ("POST", u, h, b), "signature"),
        (lambda m, u, h, b: (m, u, {**h, "Host": "evil:1"}, b), "signature"),
        (lambda m, u, h, b: (m, u, {k: v for k, v in h.items() if k != "Authorization"}, b), "Missing"),
    ],
)
def test_tampering_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        verify(*change(*signed()), IDENTITIES, "eu-west-1")


def test_unknown_keys_wrong_secret_region_service_are_refused():
    for kwargs, message in (
        ({"key": "AKIDNOBODY"}, "invalid"),
        ({"secret": "nope"}, "signature"),
        ({"region": "us-east-1"}, "scoped"),
        ({"service": "s3"}, "scoped"),
    ):
        with pytest.raises(ValueError, match=message):
            verify(*signed(**kwargs), IDENTITIES, "eu-west-1")


def test_clock_skew_over_five_minutes_is_refused():
    request = signed()
    signed_at = datetime.strptime(request[2]["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    for skew in (timedelta(minutes=-5), timedelta(minutes=5)):
        assert verify(*request, IDENTITIES, "eu-west-1", now=signed_at + skew)
    for skew in (timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)):
        with pytest.raises(ValueError, match="expired"):
            verify(*request, IDENTITIES, "eu-west-1", now=signed_at + skew)


def test_served_requests_become_http_api_events():
    seen = []

    def app(event, context):
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}

    with SigV4Gateway(app, IDENTITIES) as gateway:
        method, url, headers, body = signed(f"{gateway.url}/things?a=1&a=2&b=x", "POST", b'{"k": 1}')
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request) as response:
            assert json.loads(response.read()) == {"ok": True}
        unsigned = urllib.request.Request(f"{gateway.url}/things")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned)
        assert refused.value.code == 403
    [event] = seen
    assert event["requestContext"]["authorizer"]["iam"]["userArn"] == ARN
    assert (event["rawPath"], event["queryStringParameters"], event["body"]) == (
        "/things",
        {"a": "1,2", "b": "x"},
        '{"k": 1}',
    )
    assert event["requestContext"]["http"]["method"] == "POST" and event["version"] == "2.0"


def test_a_function_that_raises_is_a_500_and_is_recorded():
    def app(event, context):
        raise RuntimeError("boom")

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with SigV4Gateway(app, IDENTITIES) as gateway:
        method, url, headers, _ = signed(f"{gateway.url}/?profile=prod")
        with pytest.raises(urllib.error.HTTPError) as failed:
            opener.open(urllib.request.Request(url, method=method, headers=headers), timeout=5)
        with failed.value:
            assert failed.value.code == 500 and json.loads(failed.value.read()) == {"message": "Internal Server Error"}
    assert [type(error) for error in gateway.failures] == [RuntimeError] and len(gateway.received) == 1
