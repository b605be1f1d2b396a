"""SigV4Client against the local SigV4-verifying gateway, and the gateway's refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.credentials import Credentials, RefreshableCredentials

from lambdas.common.sigv4 import SigningError, SigV4Client
from tests.support.constants import REGION
from tests.support.sigv4_gateway import EXECUTE_API, Identity, SigV4Gateway

ROLE = "arn:aws:sts::123456789012:assumed-role/verification-fn-role-abc/verification"
GOOD, OTHER = "ASIAGOOD", "ASIAOTHER"
IDENTITIES = {
    GOOD: Identity("good-secret", ROLE, "good-token"),
    OTHER: Identity("other-secret", "arn:aws:sts::123456789012:assumed-role/other/x", "other-token"),
}
PAYLOAD = {"channel": "C1", "text": "hi", "thread_ts": "1.2", "event_id": "Ev1"}


class StaticSession:
    """A session whose credentials the test controls."""

    def __init__(self, credentials):
        self.credentials = credentials

    def get_credentials(self):
        return self.credentials


@pytest.fixture
def gateway():
    with SigV4Gateway(lambda event, context: None, dict(IDENTITIES), integration=EXECUTE_API, allowed_arn=ROLE) as gw:
        yield gw


def client_for(key, secret=None):
    identity = IDENTITIES[key]
    return SigV4Client(
        REGION, session=StaticSession(Credentials(key, secret or identity.secret_key, identity.session_token))
    )


def test_signed_request_is_accepted_with_202_and_becomes_the_integration_event(gateway):
    status, _headers, body = client_for(GOOD).request("POST", gateway.url, json_body=PAYLOAD)
    assert status == 202 and json.loads(body)["accepted"] is True
    [event] = gateway.received
    assert (event["source"], event["payload"], event["caller"]) == ("api", PAYLOAD, ROLE)


def test_wrong_secret_is_refused(gateway):
    status, _, body = client_for(GOOD, secret="wrong").request("POST", gateway.url, json_body=PAYLOAD)
    assert status == 403 and "does not match" in json.loads(body)["message"]
    assert gateway.received == []


def test_changed_body_is_refused(gateway):
    client = client_for(GOOD)
    signed = client.sign("POST", gateway.url, json.dumps(PAYLOAD).encode())
    tampered = json.dumps({**PAYLOAD, "text": "rm -rf"}).encode()
    headers = {**dict(signed.headers.items()), "Host": urlsplit(gateway.url).netloc}
    status, _, body = gateway.handle("POST", "/prod/execute", headers, tampered)
    answer = json.loads(body)
    assert status == 403 and "does not match" in answer["message"]
    assert gateway.handle("POST", "/prod/execute", headers, json.dumps(PAYLOAD).encode())[0] == 202


def test_six_minute_old_request_is_refused(gateway):
    gateway.clock = lambda: datetime.now(UTC) + timedelta(seconds=360)
    status, _, body = client_for(GOOD).request("POST", gateway.url, json_body=PAYLOAD)
    assert (status, json.loads(body)["message"]) == (403, "Signature expired")


def test_unsigned_request_and_other_principal_are_refused(gateway):
    import urllib.request

    request = urllib.request.Request(gateway.url, data=b"{}", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=5)
    assert caught.value.code == 403
    status, _, body = client_for(OTHER).request("POST", gateway.url, json_body=PAYLOAD)
    assert (status, json.loads(body)["message"]) == (403, "User is not authorized to access this resource")


def test_every_request_uses_fresh_credentials():
    # Credentials about to expire: botocore refreshes them; each request signs with the new trio.
    issued = iter(
        [
            ("ASIAONE", "one-secret", "one-token"),
            ("ASIATWO", "two-secret", "two-token"),
            ("ASIATHREE", "three-secret", "three-token"),
        ]
    )

    def refresh():
        key, secret, token = next(issued)
        expiry = datetime.now(UTC) + timedelta(seconds=60)
        return {"access_key": key, "secret_key": secret, "token": token, "expiry_time": expiry.isoformat()}

    refreshable = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    client = SigV4Client(REGION, session=StaticSession(refreshable))
    first = client.sign("POST", "https://a.example/prod/execute", b"{}")
    second = client.sign("POST", "https://a.example/prod/execute", b"{}")
    assert "Credential=ASIATWO/" in first.headers["Authorization"]
    assert first.headers["X-Amz-Security-Token"] == "two-token"
    assert "Credential=ASIATHREE/" in second.headers["Authorization"]
    assert second.headers["X-Amz-Security-Token"] == "three-token"


def test_without_credentials_it_refuses_to_send():
    with pytest.raises(SigningError):
        SigV4Client(REGION, session=StaticSession(None)).request("POST", "http://127.0.0.1:9/x", json_body={})


def test_default_session_reads_the_environment(aws_env, gateway):
    gateway.identities["testing"] = Identity("testing", ROLE, "testing")
    status, _, _ = SigV4Client(REGION).request("POST", gateway.url, json_body=PAYLOAD)
    assert status == 202


def test_a_request_signed_for_another_route_is_refused(gateway):
    other = gateway.url.replace("/prod/execute", "/prod/admin")
    status, _, body = client_for(GOOD).request("POST", other, json_body=PAYLOAD)
    assert (status, json.loads(body)["message"]) == (403, "Missing Authentication Token")
    signed = client_for(GOOD).sign("POST", other, json.dumps(PAYLOAD).encode())  # replayed to /prod/execute
    headers = {**dict(signed.headers.items()), "Host": urlsplit(gateway.url).netloc}
    status, _, body = gateway.handle("POST", "/prod/execute", headers, json.dumps(PAYLOAD).encode())
    assert status == 403 and "does not match" in json.loads(body)["message"]
    assert gateway.received == []


def test_a_signed_body_that_is_not_json_is_a_400(gateway):
    signed = client_for(GOOD).sign("POST", gateway.url, b"not json")
    headers = {**dict(signed.headers.items()), "Host": urlsplit(gateway.url).netloc}
    status, _, body = gateway.handle("POST", "/prod/execute", headers, b"not json")
    assert (status, json.loads(body)["message"]) == (400, "Could not parse request body into json")
    assert gateway.received == [] and gateway.rejected == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_is_returned_not_followed_so_the_signature_stays_with_its_host(status, method):
    from tests.support.local_http import serve

    stolen = []

    def elsewhere(method_, target, headers, body):
        stolen.append(headers)
        return 200, {}, b"thanks"

    with serve(elsewhere) as thief:

        def redirecting(method_, target, headers, body):
            return status, {"Location": f"{thief}/collect"}, b""

        with serve(redirecting) as api:
            answer_status, headers, _ = client_for(GOOD).request(
                method, f"{api}/prod/execute", json_body=PAYLOAD if method == "POST" else None
            )
    assert (answer_status, headers["Location"]) == (status, f"{thief}/collect")
    assert stolen == []
