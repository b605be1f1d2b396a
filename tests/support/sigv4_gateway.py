"""A local stand-in for API Gateway's IAM authorization: verifies SigV4, then calls a handler.

``SigV4Gateway(app, identities)`` listens on 127.0.0.1 (a free port) in a thread. Each
request must carry an ``Authorization: AWS4-HMAC-SHA256 ...`` header whose signature
recomputes, with botocore's own ``SigV4Auth`` (canonical request, string to sign,
signature), from the secret of a known access key; ``X-Amz-Date`` must be within 5
minutes of now and a session token, when the identity has one, must match. Accepted
requests become API Gateway HTTP API payload 2.0 events with
``requestContext.authorizer.iam.userArn`` set and go to ``app(event, context)``; its proxy
response is sent back. Refusals answer 403 ``{"message": ...}`` as API Gateway does.

Use as a context manager::

    with SigV4Gateway(handler, {"AKIDALICE": Identity("secret", arn)}) as gateway:
        gateway.url   # http://127.0.0.1:PORT
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping, Optional
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from tests.support.constants import ACCOUNT_ID, REGION

MAX_SKEW_SECONDS = 300
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Identity:
    secret_key: str
    user_arn: str
    session_token: Optional[str] = None


class _Recompute(SigV4Auth):
    """SigV4Auth signing exactly the headers the client said it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed:
            headers[name] = request.headers.get(name, "")
        return headers


def verify(method: str, url: str, headers: Mapping[str, str], body: bytes, identities: Mapping[str, Identity],
           region: str, service: str = "execute-api", now: Optional[datetime] = None) -> Identity:
    """The identity that signed the request, or ValueError with API Gateway-like wording."""
    lower = {k.lower(): v for k, v in headers.items()}
    match = _AUTHORIZATION.match(lower.get("authorization", ""))
    if not match:
        raise ValueError("Missing Authentication Token")
    identity = identities.get(match["key"])
    if identity is None:
        raise ValueError("The security token included in the request is invalid.")
    if (match["region"], match["service"]) != (region, service):
        raise ValueError("Credential should be scoped to a valid region and service.")
    amz_date = lower.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError("X-Amz-Date is missing or malformed.") from None
    if amz_date[:8] != match["date"]:
        raise ValueError("Credential date does not match X-Amz-Date.")
    if abs(((now or datetime.now(timezone.utc)) - signed_at).total_seconds()) > MAX_SKEW_SECONDS:
        raise ValueError("Signature expired: the request time is more than 5 minutes from now.")
    signed = match["headers"].split(";")
    if "host" not in signed:
        raise ValueError("The request must sign the host header.")
    if identity.session_token is not None and lower.get("x-amz-security-token") != identity.session_token:
        raise ValueError("The security token included in the request is invalid.")
    headers = dict(headers)
    if "host" not in lower:   # a raw request (not from the server) names its host in the URL
        headers["Host"] = urlsplit(url).netloc
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    request.context["timestamp"] = amz_date
    signer = _Recompute(Credentials(match["key"], identity.secret_key, identity.session_token), service, region,
                        signed)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise ValueError("The request signature we calculated does not match the signature you provided.")
    return identity


class SigV4Gateway:
    def __init__(self, app: Callable[[dict, Any], dict], identities: Mapping[str, Identity],
                 region: str = REGION, account_id: str = ACCOUNT_ID,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.app, self.identities, self.region, self.account_id, self.clock = app, identities, region, account_id, clock
        self.requests: list[dict] = []   # every request as received: method, path, headers, accepted
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                gateway._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "SigV4Gateway":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        headers = {k: v for k, v in http.headers.items()}
        url = f"http://{http.headers.get('Host', '')}{http.path}"
        try:
            identity = verify(http.command, url, headers, body, self.identities, self.region, now=self.clock())
        except ValueError as error:
            self.requests.append({"method": http.command, "path": http.path, "headers": headers, "accepted": False})
            return self._send(http, {"statusCode": 403, "headers": {"Content-Type": "application/json"},
                                     "body": json.dumps({"message": str(error)})})
        self.requests.append({"method": http.command, "path": http.path, "headers": headers, "accepted": True})
        event = self.event(http.command, http.path, headers, body, identity)
        self._send(http, self.app(event, None))

    def event(self, method: str, target: str, headers: Mapping[str, str], body: bytes, identity: Identity) -> dict:
        parts = urlsplit(target)
        query: dict[str, str] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value   # as HTTP APIs join repeats
        text_body: Optional[str] = None
        encoded = False
        if body:
            try:
                text_body = body.decode("utf-8")
            except UnicodeDecodeError:
                text_body, encoded = base64.b64encode(body).decode(), True
        now = self.clock()
        event = {
            "version": "2.0", "routeKey": "$default", "rawPath": parts.path or "/", "rawQueryString": parts.query,
            "headers": {k.lower(): v for k, v in headers.items()},
            "requestContext": {
                "accountId": self.account_id, "apiId": "local", "domainName": headers.get("Host", ""),
                "http": {"method": method, "path": parts.path or "/", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
                "authorizer": {"iam": {"accessKey": "", "accountId": self.account_id, "callerId": "",
                                       "userArn": identity.user_arn, "userId": ""}},
                "requestId": f"local-{len(self.requests)}", "routeKey": "$default", "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": encoded,
        }
        if query:
            event["queryStringParameters"] = query
        if text_body is not None:
            event["body"] = text_body
        return event

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, response: dict) -> None:
        body = response.get("body") or ""
        raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
        http.send_response(int(response.get("statusCode", 200)))
        for name, value in (response.get("headers") or {}).items():
            http.send_header(name, str(value))
        http.send_header("Content-Length", str(len(raw)))
        http.end_headers()
        http.wfile.write(raw)
