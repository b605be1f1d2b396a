"""A local stand-in for API Gateway's IAM authorisation: verifies SigV4, then calls a function.

``SigV4Gateway(app, identities)`` listens on 127.0.0.1 (a free port) in a thread while used as a
context manager; ``handle`` answers one request in process. Each request must carry an
``Authorization: AWS4-HMAC-SHA256 ...`` header whose signature recomputes, with botocore's own
``SigV4Auth`` (canonical request, string to sign, signature over exactly the headers the client
signed, at the client's X-Amz-Date), from the secret of a known access key. Host and X-Amz-Date
must be signed, X-Amz-Date must be within 5 minutes of ``clock()``, and the session token must be
sent (and signed) exactly when the identity has one. ``allowed_arn``, when given, is a
one-principal resource policy. Refusals answer 403 ``{"message": ...}`` as API Gateway does.

Two integrations, as the stacks wire them:

- ``HTTP_API`` (the TVM): the ``$default`` route of an HTTP API with a Lambda proxy integration.
  An accepted request becomes a payload 2.0 event with ``requestContext.authorizer.iam.userArn``;
  ``app(event, None)``'s proxy response is the answer (500 if it raises).
- ``EXECUTE_API`` (the layers): a REST API's ``POST /prod/execute`` with our integration's mapping
  template and an asynchronous invoke. Other routes answer 403 before any check, a body that is
  not JSON 400; the event is ``{"source": "api", "payload", "requestId", "caller"}`` and the
  answer 202 ``{"accepted": true, "requestId"}``, whatever the function does.

Records: ``requests`` (every request: method, path, headers, accepted, reason), ``rejected``
(the refusals' reasons), ``received`` (the events handed to ``app``), ``failures`` (what it raised)::

    with SigV4Gateway(handler, {"AKIDALICE": Identity("secret", arn)}) as gateway:
        gateway.url   # http://127.0.0.1:PORT (plus the route's path for EXECUTE_API)
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from tests.support.constants import ACCOUNT_ID, REGION
from tests.support.local_http import Answer, json_answer, serve

MAX_SKEW_SECONDS = 300
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass(frozen=True)
class Identity:
    """What stands behind an access key (the key of the ``identities`` mapping)."""

    secret_key: str
    user_arn: str
    session_token: str | None = None  # temporary credentials have one


class _Recompute(SigV4Auth):
    """SigV4Auth signing exactly the headers the client said it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed:
            value = request.headers.get(name)
            if value is None:
                raise ValueError(f"The signed header {name} is missing.")
            headers[name] = value
        return headers


def _check_date(amz_date: str, credential_date: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError("X-Amz-Date is missing or malformed.") from None
    if amz_date[:8] != credential_date:
        raise ValueError("Credential date does not match X-Amz-Date.")
    if abs((now - signed_at).total_seconds()) > MAX_SKEW_SECONDS:
        raise ValueError("Signature expired")


def _check_signed_headers(lower: Mapping[str, str], signed: list[str], identity: Identity) -> None:
    if "host" not in signed or "x-amz-date" not in signed:
        raise ValueError("The host and X-Amz-Date headers must be signed.")
    sent = lower.get("x-amz-security-token")
    if sent != identity.session_token:  # missing for temporary credentials, or sent with long-term ones
        raise ValueError(_INVALID_TOKEN)
    if sent is not None and "x-amz-security-token" not in signed:
        raise ValueError("X-Amz-Security-Token must be signed.")


def verify(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    identities: Mapping[str, Identity],
    region: str,
    service: str = "execute-api",
    now: datetime | None = None,
) -> Identity:
    """The identity that signed the request, or ValueError with API Gateway-like wording."""
    lower = {k.lower(): v for k, v in headers.items()}
    match = _AUTHORIZATION.match(lower.get("authorization", ""))
    if not match:
        raise ValueError("Missing Authentication Token")
    identity = identities.get(match["key"])
    if identity is None:
        raise ValueError(_INVALID_TOKEN)
    if (match["region"], match["service"]) != (region, service):
        raise ValueError("Credential should be scoped to a valid region and service.")
    amz_date = lower.get("x-amz-date", "")
    _check_date(amz_date, match["date"], now or datetime.now(UTC))
    signed = match["headers"].split(";")
    _check_signed_headers(lower, signed, identity)
    headers = dict(headers)
    if "host" not in lower:  # a raw request (not from the server) names its host in the URL
        headers["Host"] = urlsplit(url).netloc
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    request.context["timestamp"] = amz_date
    signer = _Recompute(Credentials(match["key"], identity.secret_key, identity.session_token), service, region, signed)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise ValueError("The request signature we calculated does not match the signature you provided.")
    return identity


class Refusal(Exception):
    """An answer of the gateway's own, before the function runs."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Request:
    """An authenticated request, as an integration sees it."""

    method: str
    target: str  # path and query string
    headers: Mapping[str, str]
    body: bytes
    identity: Identity
    request_id: str
    time: datetime
    account_id: str


@dataclass(frozen=True)
class Integration:
    route: tuple[str, str] | None  # (method, path) served; None: every request ($default)
    event: Callable[[Request], dict]  # the function's event; may raise Refusal
    answer: Callable[[dict, Any], Answer]  # (event, the function's result, None if it raised) -> the answer


def _http_api_event(request: Request) -> dict:
    parts = urlsplit(request.target)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value  # as HTTP APIs join repeats
    headers = {k.lower(): v for k, v in request.headers.items()}
    account, now = request.account_id, request.time
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": account,
            "apiId": "local",
            "domainName": headers.get("host", ""),
            "http": {
                "method": request.method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "authorizer": {
                "iam": {
                    "accessKey": "",
                    "accountId": account,
                    "callerId": "",
                    "userArn": request.identity.user_arn,
                    "userId": "",
                }
            },
            "requestId": request.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if request.body:
        try:
            event["body"] = request.body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(request.body).decode(), True
    return event


def _proxy_answer(event: dict, response: Any) -> Answer:
    if not isinstance(response, dict):
        return json_answer(500, {"message": "Internal Server Error"})
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    headers = {name: str(value) for name, value in (response.get("headers") or {}).items()}
    return int(response.get("statusCode", 200)), headers, data


def _execute_event(request: Request) -> dict:
    try:
        payload = json.loads(request.body)
    except ValueError:
        raise Refusal(400, "Could not parse request body into json") from None
    return {"source": "api", "payload": payload, "requestId": request.request_id, "caller": request.identity.user_arn}


HTTP_API = Integration(None, _http_api_event, _proxy_answer)
EXECUTE_API = Integration(
    ("POST", "/prod/execute"),
    _execute_event,
    lambda event, _: json_answer(202, {"accepted": True, "requestId": event["requestId"]}),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SigV4Gateway:
    """See the module docstring. ``clock`` is the gateway's idea of now."""

    def __init__(
        self,
        app: Callable[[dict, Any], Any],
        identities: Mapping[str, Identity],
        *,
        integration: Integration = HTTP_API,
        allowed_arn: str | None = None,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.app, self.identities, self.integration = app, identities, integration
        self.allowed_arn, self.region, self.account_id, self.clock = allowed_arn, region, account_id, clock
        self.requests: list[dict] = []
        self.received: list[dict] = []
        self.failures: list[BaseException] = []
        self._stack = ExitStack()
        self._base = ""

    @property
    def url(self) -> str:
        if not self._base:
            raise RuntimeError("the gateway serves only inside its with block")
        route = self.integration.route
        return self._base + (route[1] if route else "")

    @property
    def rejected(self) -> list[str]:
        return [request["reason"] for request in self.requests if not request["accepted"]]

    def __enter__(self) -> SigV4Gateway:
        self._base = self._stack.enter_context(serve(self.handle))
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()
        self._base = ""

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request: ``(status, headers, body)``."""
        record: dict[str, Any] = {"method": method, "path": target, "headers": headers, "accepted": False}
        self.requests.append(record)
        try:
            request = self._authenticate(method, target, headers, body)
            record["accepted"] = True
            event = self.integration.event(request)
        except Refusal as refusal:
            record["reason"] = refusal.message
            return json_answer(refusal.status, {"message": refusal.message})
        self.received.append(event)
        try:
            result = self.app(event, None)
        except BaseException as error:  # noqa: BLE001 - recorded for the test to inspect
            self.failures.append(error)
            result = None
        return self.integration.answer(event, result)

    def _authenticate(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        route = self.integration.route
        if route is not None and (method, urlsplit(target).path) != route:
            raise Refusal(403, "Missing Authentication Token")
        host = next((value for name, value in headers.items() if name.lower() == "host"), "")
        now = self.clock()
        try:
            identity = verify(method, f"http://{host}{target}", headers, body, self.identities, self.region, now=now)
        except ValueError as error:
            raise Refusal(403, str(error)) from None
        if self.allowed_arn is not None and identity.user_arn != self.allowed_arn:
            raise Refusal(403, "User is not authorized to access this resource")
        return Request(method, target, headers, body, identity, str(uuid.uuid4()), now, self.account_id)
