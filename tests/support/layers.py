"""Local stand-ins for the layers' neighbours, on 127.0.0.1 only:

- ``SigV4Gateway``: API Gateway's ``POST /prod/execute`` with ``AWS_IAM`` authorisation and
  a one-principal resource policy. It recomputes each request's SigV4 signature with
  botocore (the same canonical request, string to sign and signature, over exactly the
  headers the client signed, at the client's X-Amz-Date), refuses unknown keys, wrong
  signatures, changed bodies and requests more than five minutes old (403, as API Gateway
  does), and turns an accepted request into the event our integration's mapping template
  gives the execution function, answering 202.
- ``FakeSlack``: ``chat.postMessage`` recording what it was sent.
- Slack request signing and Function URL events for the verification handler.
- ``moto_secret``: a Secrets Manager in moto holding the token or the signing secret.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, Optional

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials
from moto import mock_aws

from lambdas.verification.slack import sign as slack_sign
from tests.support.constants import REGION
from tests.support.events import load_event

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$")
MAX_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    access_key: str
    secret_key: str
    token: Optional[str]
    arn: str


class _SignedHeadersOnly(SigV4Auth):
    """SigV4Auth that signs exactly the headers the client says it signed."""

    def __init__(self, credentials, service, region, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name in self._signed:
            value = request.headers.get(name)
            if value is None:
                raise KeyError(name)
            headers[name] = value
        return headers


@dataclass
class SigV4Gateway:
    """See the module docstring. ``clock`` is the gateway's idea of now (seconds)."""

    identities: dict[str, Identity]
    allowed_arn: str
    target: Callable[[dict], Any]
    clock: Callable[[], float] = time.time
    received: list[dict] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    url: str = ""

    def verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Optional[str]:
        """None when the request is authentic and allowed, else the rejection reason."""
        lowered = {k.lower(): v for k, v in headers.items()}
        match = _AUTHORIZATION.match(lowered.get("authorization", ""))
        if not match:
            return "Missing Authentication Token"
        identity = self.identities.get(match["key"])
        if identity is None:
            return "The security token included in the request is invalid."
        if (match["region"], match["service"]) != (REGION, "execute-api"):
            return "Credential should be scoped to a valid region and service."
        amz_date = lowered.get("x-amz-date", "")
        try:
            signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            return "Missing X-Amz-Date"
        if abs(self.clock() - signed_at) > MAX_SKEW_SECONDS or match["date"] != amz_date[:8]:
            return "Signature expired"
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            return "Host and X-Amz-Date must be signed"
        if identity.token is not None and lowered.get("x-amz-security-token") != identity.token:
            return "The security token included in the request is invalid."
        if identity.token is not None and "x-amz-security-token" not in signed:
            return "X-Amz-Security-Token must be signed"
        request = AWSRequest(method=method, url=f"http://{lowered.get('host', '')}{path}", data=body,
                             headers=lowered)
        request.context["timestamp"] = amz_date
        signer = _SignedHeadersOnly(Credentials(identity.access_key, identity.secret_key, identity.token),
                                    "execute-api", REGION, signed)
        try:
            canonical = signer.canonical_request(request)
        except KeyError:
            return "A signed header is missing"
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, match["signature"]):
            return "The request signature we calculated does not match the signature you provided."
        if identity.arn != self.allowed_arn:
            return "User is not authorized to access this resource"
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if (method, path) != ("POST", "/prod/execute"):
            return 403, {"message": "Missing Authentication Token"}
        reason = self.verify(method, path, headers, body)
        if reason is not None:
            self.rejected.append(reason)
            return 403, {"message": reason}
        request_id = str(uuid.uuid4())
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"message": "Could not parse request body into json"}
        caller = self.identities[_AUTHORIZATION.match(headers_lower(headers)["authorization"])["key"]].arn
        event = {"source": "api", "payload": payload, "requestId": request_id, "caller": caller}
        self.received.append(event)
        try:
            self.target(event)  # Lambda's async invoke: the caller never sees the result
        except BaseException as error:  # noqa: BLE001 - recorded for the test to inspect
            self.failures.append(error)
        return 202, {"accepted": True, "requestId": request_id}


def headers_lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


class _Handler(BaseHTTPRequestHandler):
    app: Callable[[str, str, dict[str, str], bytes], tuple[int, dict]]

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server.app(self.command, self.path, dict(self.headers.items()), body)  # type: ignore[attr-defined]
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _serve

    def log_message(self, *args) -> None:  # quiet
        pass


@contextmanager
def serve(app: Callable[[str, str, dict[str, str], bytes], tuple[int, dict]]):
    """Serve ``app`` on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class FakeSlack:
    """``POST /api/chat.postMessage``; answers ``reply`` (Slack's JSON) and records calls."""

    reply: dict = field(default_factory=lambda: {"ok": True, "ts": "1700000001.000200"})
    status: int = 200
    calls: list[dict] = field(default_factory=list)

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        self.calls.append({"method": method, "path": path, "headers": headers_lower(headers),
                           "json": json.loads(body or b"null")})
        return self.status, self.reply


# --- Slack requests for the verification handler -------------------------------------

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@contextmanager
def moto_secret(name: str, value: str) -> Iterator[Any]:
    """A Secrets Manager client in moto that holds the secret ``name``; it carries fake
    credentials of its own, so a module-scoped fixture needs no ``aws_env``."""
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION, aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_secret(Name=name, SecretString=value)
        yield client


def slack_event(text: str = "hello", channel: str = "C0123ABCD", ts: str = "1700000000.000100",
                thread_ts: Optional[str] = None, event_id: str = "Ev0123ABCDEF", **event_fields: Any) -> dict:
    event = {"type": "app_mention", "user": "U0123", "text": text, "channel": channel, "ts": ts, **event_fields}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "legacy-verification-token", "team_id": "T0123", "api_app_id": "A0123", "type": "event_callback",
            "event": event, "event_id": event_id, "event_time": 1700000000}


def function_url_event(body: bytes | str, headers: Optional[dict[str, str]] = None, method: str = "POST",
                       base64_body: bool = False) -> dict:
    raw = body.encode() if isinstance(body, str) else body
    event = load_event("lambda_function_url")
    event["headers"].update(headers or {})
    event["requestContext"]["http"]["method"] = method
    event["body"] = base64.b64encode(raw).decode() if base64_body else raw.decode("utf-8", "surrogatepass")
    event["isBase64Encoded"] = base64_body
    return event


def signed_request(document: dict | str, now: float, secret: str = SIGNING_SECRET,
                   extra_headers: Optional[dict[str, str]] = None, base64_body: bool = False) -> dict:
    body = (document if isinstance(document, str) else json.dumps(document)).encode()
    timestamp = str(int(now))
    headers = {"x-slack-request-timestamp": timestamp, "x-slack-signature": slack_sign(secret, timestamp, body),
               **(extra_headers or {})}
    return function_url_event(body, headers, base64_body=base64_body)
