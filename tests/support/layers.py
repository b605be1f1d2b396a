"""Local stand-ins for the layers' neighbours (the execution API's gateway is
tests/support/sigv4_gateway.py's ``EXECUTE_API``):

- ``FakeSlack``: ``chat.postMessage`` recording what it was sent (serve it with
  tests/support/local_http.py's ``serve``).
- Slack request signing and Function URL events for the verification handler.
- ``moto_secret``: a Secrets Manager in moto holding the token or the signing secret.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws

from lambdas.verification.slack import sign as slack_sign
from tests.support.constants import REGION
from tests.support.events import load_event
from tests.support.local_http import Answer, json_answer


@dataclass
class FakeSlack:
    """``POST /api/chat.postMessage``; answers ``reply`` (Slack's JSON) and records calls."""

    reply: dict = field(default_factory=lambda: {"ok": True, "ts": "1700000001.000200"})
    status: int = 200
    calls: list[dict] = field(default_factory=list)

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        self.calls.append(
            {
                "method": method,
                "path": path,
                "headers": {k.lower(): v for k, v in headers.items()},
                "json": json.loads(body or b"null"),
            }
        )
        return json_answer(self.status, self.reply)


# --- Slack requests for the verification handler -------------------------------------

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@contextmanager
def moto_secret(name: str, value: str) -> Iterator[Any]:
    """A Secrets Manager client in moto that holds the secret ``name``; it carries fake
    credentials of its own, so a module-scoped fixture needs no ``aws_env``."""
    with mock_aws():
        client = boto3.client(
            "secretsmanager", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        client.create_secret(Name=name, SecretString=value)
        yield client


def slack_event(
    text: str = "hello",
    channel: str = "C0123ABCD",
    ts: str = "1700000000.000100",
    thread_ts: str | None = None,
    event_id: str = "Ev0123ABCDEF",
    **event_fields: Any,
) -> dict:
    event = {"type": "app_mention", "user": "U0123", "text": text, "channel": channel, "ts": ts, **event_fields}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": "T0123",
        "api_app_id": "A0123",
        "type": "event_callback",
        "event": event,
        "event_id": event_id,
        "event_time": 1700000000,
    }


def function_url_event(
    body: bytes | str, headers: dict[str, str] | None = None, method: str = "POST", base64_body: bool = False
) -> dict:
    raw = body.encode() if isinstance(body, str) else body
    event = load_event("lambda_function_url")
    event["headers"].update(headers or {})
    event["requestContext"]["http"]["method"] = method
    event["body"] = base64.b64encode(raw).decode() if base64_body else raw.decode("utf-8", "surrogatepass")
    event["isBase64Encoded"] = base64_body
    return event


def signed_request(
    document: dict | str,
    now: float,
    secret: str = SIGNING_SECRET,
    extra_headers: dict[str, str] | None = None,
    base64_body: bool = False,
) -> dict:
    body = (document if isinstance(document, str) else json.dumps(document)).encode()
    timestamp = str(int(now))
    headers = {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": slack_sign(secret, timestamp, body),
        **(extra_headers or {}),
    }
    return function_url_event(body, headers, base64_body=base64_body)
