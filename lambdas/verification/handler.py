"""Slack's public ingress, behind a Lambda Function URL (payload format 2.0, auth NONE).

Answers (always JSON):
- 200 ``{"challenge": ...}`` for Slack's ``url_verification``;
- 200 ``{"ok": true, "dispatched": "api"|"direct"}`` once an event is handed on;
- 200 ``{"ok": true, "ignored": REASON}`` for events it does not act on (bot messages,
  other event types) and for Slack retries (``X-Slack-Retry-Num``: the first attempt
  already dispatched, so a retry is acknowledged and not dispatched again);
- 400 ``BAD_REQUEST`` (unreadable body), 401 ``MISSING_SIGNATURE``, ``BAD_TIMESTAMP``,
  ``STALE_REQUEST``, ``BAD_SIGNATURE``, 405 ``METHOD_NOT_ALLOWED``;
- 500 ``MISCONFIGURED``, 503 ``SECRET_UNAVAILABLE``, 502 ``DISPATCH_FAILED``.

Dispatch: the conversation (channel and thread) picks the path with
``rollout.routes_to_api``. The API path is a SigV4-signed ``POST`` to the execution API;
a failed call is logged with its status and, while the rollout is below 100 %, falls back
to the direct asynchronous invoke. Only ``{channel, text, thread_ts, event_id}`` leaves
this function: never a token.

Environment (set by the component):
- ``SLACK_SIGNING_SECRET_ID`` (required): the secret holding the signing secret (plain
  string, or JSON with ``signingSecret``).
- ``ROLLOUT_PERCENT``: 0-100, default 0.
- ``EXECUTION_API_URL``: the API's ``.../prod/execute`` URL (required above 0 %).
- ``EXECUTION_FUNCTION_ARN``: the direct-invoke target (required below 100 %; absent at 100 %).
- ``SIGNING_SECRET_TTL_SECONDS``: default 300. ``AWS_REGION``, ``POWERTOOLS_SERVICE_NAME``.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.cache import TtlCache
from lambdas.common.container import ContainerState
from lambdas.common.errors import PlatformError, aws_error_code
from lambdas.common.events import HttpRequest, UnreadableBody
from lambdas.common.responses import error_response, json_response
from lambdas.common.secrets import SecretReadError, read_secret_field
from lambdas.common.settings import SettingsError, aws_region, required, whole_number
from lambdas.common.sigv4 import SigningError, SigV4Client
from lambdas.verification.rollout import conversation_key, routes_to_api
from lambdas.verification.slack import SignatureError, verify

HANDLED_EVENTS = frozenset({"app_mention", "message"})
MAX_BODY_BYTES = 1_000_000
# Slack waits three seconds: every call this function makes is short.
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
API_TIMEOUT_SECONDS = 2

logger = Logger()


# The signing secret could not be read; ``code`` is safe to log (an AWS code or SECRET_EMPTY).
SecretUnavailable = SecretReadError


@dataclass(frozen=True)
class Settings:
    signing_secret_id: str
    percent: int
    api_url: str | None
    function_arn: str | None
    secret_ttl_seconds: int
    region: str


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    secret_id = required(environ, "SLACK_SIGNING_SECRET_ID")
    percent = whole_number(environ, "ROLLOUT_PERCENT", 0, 0, 100)
    api_url = environ.get("EXECUTION_API_URL", "").strip() or None
    function_arn = environ.get("EXECUTION_FUNCTION_ARN", "").strip() or None
    if percent > 0 and not api_url:
        raise SettingsError("EXECUTION_API_URL is required when ROLLOUT_PERCENT is above 0")
    if percent < 100 and not function_arn:
        raise SettingsError("EXECUTION_FUNCTION_ARN is required when ROLLOUT_PERCENT is below 100")
    ttl = whole_number(environ, "SIGNING_SECRET_TTL_SECONDS", 300)
    region = aws_region(environ)
    return Settings(secret_id, percent, api_url, function_arn if percent < 100 else None, ttl, region)


@dataclass(frozen=True)
class Dispatch:
    """What the execution layer receives: never a token."""

    channel: str
    text: str
    thread_ts: str
    event_id: str

    def payload(self) -> dict[str, str]:
        return {"channel": self.channel, "text": self.text, "thread_ts": self.thread_ts, "event_id": self.event_id}


class Container:
    """What one Lambda container keeps between invocations."""

    def __init__(
        self, settings: Settings, secrets: Any, lambda_client: Any, api: Any, clock: Callable[[], float]
    ) -> None:
        self.settings, self.secrets, self.lambda_client, self.api, self.clock = (
            settings,
            secrets,
            lambda_client,
            api,
            clock,
        )
        self._secret = TtlCache(
            lambda: read_secret_field(secrets, settings.signing_secret_id, "signingSecret"), settings.secret_ttl_seconds
        )

    def signing_secret(self) -> str:
        return self._secret.get()

    def dispatch(self, work: Dispatch) -> str:
        """Hand ``work`` on; returns the path taken. Raises ``DispatchFailed``."""
        key = conversation_key(work.channel, work.thread_ts)
        if routes_to_api(key, self.settings.percent):
            status = self._call_api(work)
            if status in (200, 202):
                return "api"
            logger.warning("execution API call failed", extra={"status": status, "event_id": work.event_id})
            if self.settings.function_arn is None:
                raise DispatchFailed(status)
        self._invoke(work)
        return "direct"

    def _call_api(self, work: Dispatch) -> int:
        try:
            status, _, _ = self.api.request(
                "POST", self.settings.api_url, json_body=work.payload(), timeout=API_TIMEOUT_SECONDS
            )
            return status
        except (OSError, http.client.HTTPException, SigningError) as error:
            # HTTPException: a garbled status line or a truncated body (not OSError).
            logger.warning("execution API unreachable", extra={"error_type": type(error).__name__})
            return 0

    def _invoke(self, work: Dispatch) -> None:
        try:
            self.lambda_client.invoke(
                FunctionName=self.settings.function_arn,
                InvocationType="Event",
                Payload=json.dumps({"source": "direct", "payload": work.payload()}).encode(),
            )
        except (ClientError, BotoCoreError) as error:
            logger.error("direct invoke failed", extra={"error_code": aws_error_code(error), "event_id": work.event_id})
            raise DispatchFailed(0) from None


class DispatchFailed(PlatformError):
    """The work could not be handed on; ``api_status`` is the execution API's answer (0: none)."""

    status = 502

    def __init__(self, api_status: int) -> None:
        super().__init__("DISPATCH_FAILED", f"dispatch failed (API status {api_status})")
        self.api_status = api_status


def _build_container(overrides: Mapping[str, Any]) -> Container:
    settings = load_settings()
    secrets = overrides.get("secrets") or boto3.client(
        "secretsmanager", region_name=settings.region, config=CLIENT_CONFIG
    )
    lambda_client = overrides.get("lambda_client") or boto3.client(
        "lambda", region_name=settings.region, config=CLIENT_CONFIG
    )
    api = overrides.get("api") or SigV4Client(settings.region)
    return Container(settings, secrets, lambda_client, api, overrides.get("clock") or time.time)


_state: ContainerState[Container] = ContainerState(_build_container)
_overrides = _state.overrides


def reset_state(**overrides: Any) -> None:
    """Forget the container (for tests); overrides: secrets, lambda_client, api, clock."""
    _state.reset(**overrides)


@logger.inject_lambda_context
def handler(event: Any, context: Any) -> dict:
    try:
        return respond(event)
    except Exception as error:  # noqa: BLE001 - the last line of defence: Slack gets JSON, logs get the type only
        logger.error("unexpected failure", extra={"error_type": type(error).__name__})
        return error_response(500, "INTERNAL", "The request could not be handled.")


def respond(event: Any) -> dict:
    request = HttpRequest.of(event)
    if request is None:
        return error_response(400, "BAD_REQUEST", "Not an HTTP request.")
    if (request.method or "").upper() != "POST":
        return error_response(405, "METHOD_NOT_ALLOWED", "Use POST.", {"Allow": "POST"})
    headers = request.headers
    body = _body(request)
    if body is None:
        return error_response(400, "BAD_REQUEST", "The request body is unreadable.")
    try:
        container = _state.get()
    except SettingsError as error:
        logger.error("verification layer misconfigured", extra={"problem": str(error)})
        return error_response(500, "MISCONFIGURED", "The service is not configured correctly.")
    timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not timestamp or not signature:
        return error_response(401, "MISSING_SIGNATURE", "X-Slack-Signature and X-Slack-Request-Timestamp are required.")
    try:
        verify(container.signing_secret(), timestamp, body, signature, container.clock())
    except SecretUnavailable as error:
        logger.error("signing secret unavailable", extra={"error_code": error.code})
        return error_response(503, "SECRET_UNAVAILABLE", "Try again later.")
    except SignatureError as error:
        logger.info("rejected request", extra={"error_code": error.code})
        return error_response(401, error.code, error.message)
    return _handle_slack(container, body, headers)


def _handle_slack(container: Container, body: bytes, headers: Mapping[str, str]) -> dict:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return error_response(400, "BAD_REQUEST", "The body is not JSON (only the Events API is supported).")
    if not isinstance(document, dict):
        return error_response(400, "BAD_REQUEST", "The body is not a JSON object.")
    kind = document.get("type")
    if kind == "url_verification":
        challenge = document.get("challenge")
        if not isinstance(challenge, str) or not challenge or len(challenge) > 1024:
            return error_response(400, "BAD_REQUEST", "The challenge is missing.")
        return json_response(200, {"challenge": challenge})
    if kind != "event_callback":
        return _ignored("unsupported_type")
    retry_num = headers.get("x-slack-retry-num")
    if retry_num:
        logger.info(
            "acknowledged Slack retry",
            extra={"retry_num": retry_num[:8], "retry_reason": headers.get("x-slack-retry-reason", "")[:64]},
        )
        return _ignored("retry")
    work = _work_of(document)
    if isinstance(work, str):
        return _ignored(work)
    try:
        path = container.dispatch(work)
    except DispatchFailed as error:
        return error_response(error.status, error.code, "The request could not be handed on.")
    logger.info("dispatched", extra={"path": path, "event_id": work.event_id})
    return json_response(200, {"ok": True, "dispatched": path})


def _work_of(document: Mapping[str, Any]) -> Dispatch | str:
    """The work in an event callback, or the reason it is ignored."""
    event, event_id = document.get("event"), document.get("event_id")
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
        return "malformed_event"
    if event.get("type") not in HANDLED_EVENTS:
        return "unsupported_event"
    if event.get("bot_id") or event.get("subtype"):
        return "bot_or_system_message"  # never answer ourselves
    channel, text = event.get("channel"), event.get("text")
    thread_ts = event.get("thread_ts") or event.get("ts")
    if not (_filled(channel) and _filled(text) and _filled(thread_ts)):
        return "malformed_event"
    return Dispatch(channel=channel, text=text, thread_ts=thread_ts, event_id=event_id)


def _ignored(reason: str) -> dict:
    return json_response(200, {"ok": True, "ignored": reason})


def _filled(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _body(request: HttpRequest) -> bytes | None:
    """The body (b"" when there is none); None when it is unreadable or too large."""
    try:
        raw = request.body() or b""
    except UnreadableBody:
        return None
    return raw if len(raw) <= MAX_BODY_BYTES else None
