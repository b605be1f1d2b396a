"""The execution layer: a verified Slack message → Bedrock ``converse`` → ``chat.postMessage``.

Invoked asynchronously, either by the REST API's integration (event
``{"source": "api", "payload": {...}, "requestId", "caller"}``, see
``components/execution_api.py``) or directly by the verification layer (``{"source": "direct",
"payload": {...}}``). An API Gateway proxy event (``body`` a JSON string) is accepted too.

The payload is ``{channel, text, thread_ts, event_id}``; anything else is refused.

Results (logged; returned for tests and direct callers, as ``{"statusCode", "body"}``):
- 200 ``{"ok": true, "ts": ...}``: the reply was posted;
- 400 ``INVALID_PAYLOAD``: the event is not what the verification layer sends;
- 502 ``SLACK_REJECTED`` / ``SLACK_UNREACHABLE``: posting failed. Not raised: the post may
  have happened (a timeout), and a retry would then post twice;
- failures before anything is posted (the bot token, Bedrock) raise ``ExecutionFailed``
  with a code only, and a bad setting raises ``SettingsError`` naming it, so Lambda sends
  the event to the on-failure queue where it can be inspected and replayed.

Environment: ``SLACK_BOT_TOKEN_SECRET_ID`` (plain token or JSON with ``botToken``),
``BEDROCK_MODEL_ID``, ``BEDROCK_MAX_TOKENS`` (default 512), ``SLACK_API_BASE_URL``
(default ``https://slack.com/api``), ``BOT_TOKEN_TTL_SECONDS`` (default 900), ``AWS_REGION``.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lambdas.common.cache import TtlCache
from lambdas.common.container import ContainerState
from lambdas.common.errors import PlatformError, aws_error_code
from lambdas.common.responses import error_response, json_response
from lambdas.common.secrets import SECRET_EMPTY, SecretReadError, read_secret_field
from lambdas.common.settings import SettingsError, aws_region, required, whole_number

SLACK_TIMEOUT_SECONDS = 10
MAX_REPLY_CHARACTERS = 3900  # Slack truncates message text at 40,000; keep replies readable
BEDROCK_CONFIG = Config(connect_timeout=3, read_timeout=50, retries={"max_attempts": 2, "mode": "standard"})
SECRETS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"})

logger = Logger()


class ExecutionRequest(BaseModel):
    """What the verification layer sends. Extra fields (a token, say) are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    channel: str = Field(pattern=r"^[A-Z0-9]{2,32}$")
    text: str = Field(min_length=1, max_length=40000)
    thread_ts: str = Field(pattern=r"^\d{1,12}(\.\d{1,9})?$")
    event_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")


class ExecutionFailed(PlatformError):
    """Nothing was posted; safe to retry or replay. The message is the code only."""

    def __init__(self, code: str) -> None:
        super().__init__(code)


@dataclass(frozen=True)
class Settings:
    token_secret_id: str
    model_id: str
    max_tokens: int
    slack_api_base_url: str
    token_ttl_seconds: int
    region: str


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    secret_id = required(environ, "SLACK_BOT_TOKEN_SECRET_ID")
    model_id = required(environ, "BEDROCK_MODEL_ID")
    region = aws_region(environ)
    numbers = {
        name: whole_number(environ, name, default)
        for name, default in (("BEDROCK_MAX_TOKENS", 512), ("BOT_TOKEN_TTL_SECONDS", 900))
    }
    base_url = (environ.get("SLACK_API_BASE_URL", "").strip() or "https://slack.com/api").rstrip("/")
    if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise SettingsError("SLACK_API_BASE_URL must be https")
    return Settings(
        secret_id, model_id, max(1, numbers["BEDROCK_MAX_TOKENS"]), base_url, numbers["BOT_TOKEN_TTL_SECONDS"], region
    )


class Container:
    def __init__(self, settings: Settings, secrets: Any, bedrock: Any) -> None:
        self.settings, self.secrets, self.bedrock = settings, secrets, bedrock
        self._token = TtlCache(lambda: _read_token(secrets, settings.token_secret_id), settings.token_ttl_seconds)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def bot_token(self) -> str:
        return self._token.get()

    def answer(self, text: str) -> str:
        try:
            response = self.bedrock.converse(
                modelId=self.settings.model_id,
                messages=[{"role": "user", "content": [{"text": text}]}],
                inferenceConfig={"maxTokens": self.settings.max_tokens},
            )
        except (ClientError, BotoCoreError) as error:
            raise ExecutionFailed(f"BEDROCK_{aws_error_code(error)}") from None
        parts = response.get("output", {}).get("message", {}).get("content", [])
        reply = "".join(part.get("text", "") for part in parts if isinstance(part, dict)).strip()
        if not reply:
            raise ExecutionFailed("BEDROCK_EMPTY_REPLY")
        return reply[:MAX_REPLY_CHARACTERS]

    def post(self, token: str, request: ExecutionRequest, reply: str) -> dict:
        body = json.dumps({"channel": request.channel, "text": reply, "thread_ts": request.thread_ts}).encode()
        http_request = urllib.request.Request(
            f"{self.settings.slack_api_base_url}/chat.postMessage",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {token}"},
        )
        try:
            with self._opener.open(http_request, timeout=SLACK_TIMEOUT_SECONDS) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            error.close()
            return {"ok": False, "error": f"http_{error.code}"}
        except (OSError, ValueError, http.client.HTTPException) as error:
            # HTTPException: a garbled status line or a truncated reply; the post may have
            # happened, so it is reported, never raised (a retry would post twice).
            return {"ok": False, "error": "unreachable", "type": type(error).__name__}
        return answer if isinstance(answer, dict) else {"ok": False, "error": "bad_response"}


def _read_token(client: Any, secret_id: str) -> str:
    try:
        return read_secret_field(client, secret_id, "botToken")
    except SecretReadError as error:
        raise ExecutionFailed(f"TOKEN_{'EMPTY' if error.code == SECRET_EMPTY else error.code}") from None


def _build_container(overrides: Mapping[str, Any]) -> Container:
    settings = load_settings()
    secrets = overrides.get("secrets") or boto3.client(
        "secretsmanager", region_name=settings.region, config=SECRETS_CONFIG
    )
    bedrock = overrides.get("bedrock") or boto3.client(
        "bedrock-runtime", region_name=settings.region, config=BEDROCK_CONFIG
    )
    return Container(settings, secrets, bedrock)


_state: ContainerState[Container] = ContainerState(_build_container)
_overrides = _state.overrides


def reset_state(**overrides: Any) -> None:
    """Forget the container (for tests); overrides: secrets, bedrock."""
    _state.reset(**overrides)


def parse_request(event: Any) -> ExecutionRequest:
    """The payload of any accepted event shape; raises ``ValueError`` (incl. ValidationError) or
    ``RecursionError`` (a proxy body nested too deep)."""
    if not isinstance(event, Mapping):
        raise ValueError("not an object")
    if "payload" in event:
        payload = event["payload"]
    elif isinstance(event.get("body"), str):  # an API Gateway proxy event
        payload = json.loads(event["body"])
    else:
        payload = event
    if not isinstance(payload, Mapping):
        raise ValueError("payload is not an object")
    return ExecutionRequest.model_validate(dict(payload))


@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict:
    try:
        request = parse_request(event)
    except (ValueError, ValidationError, RecursionError) as error:  # RecursionError: a body nested too deep
        fields = (
            sorted({".".join(map(str, e["loc"])) or "payload" for e in error.errors()})
            if isinstance(error, ValidationError)
            else ["payload"]
        )
        logger.warning("invalid payload", extra={"fields": fields})
        return error_response(400, "INVALID_PAYLOAD", f"Invalid or unexpected fields: {', '.join(fields)}.")
    source = event.get("source", "proxy") if isinstance(event, Mapping) else "?"
    logger.append_keys(event_id=request.event_id, source=str(source)[:16])
    try:
        container = _state.get()
        token = container.bot_token()
        reply = container.answer(request.text)
    except (ExecutionFailed, SettingsError) as error:
        logger.error("execution failed before posting", extra={"error_code": error.code, "problem": str(error)})
        raise
    result = container.post(token, request, reply)
    if not result.get("ok"):
        code = str(result.get("error", "unknown"))[:64]
        status_code = "SLACK_UNREACHABLE" if code == "unreachable" else "SLACK_REJECTED"
        logger.error("posting to Slack failed", extra={"slack_error": code})
        return error_response(502, status_code, f"Slack did not accept the reply ({code}).")
    logger.info("replied")
    return json_response(200, {"ok": True, "ts": result.get("ts")})
