"""Token vending machine behind an API Gateway HTTP API (payload 2.0, every route AWS_IAM).

Routes:
- ``GET /?profile=P&duration=S`` and ``POST /`` with JSON ``{"profile", "duration",
  "approval_id", "session_id"}``: 200 ``{"AccessKeyId", "SecretAccessKey", "Token",
  "Expiration"}`` with header ``X-Sentinel-Session-ID``. With ``session_id`` the request
  refreshes that session (same SourceIdentity) and is refused once it is revoked.
- ``GET /profiles``: 200 ``{"profiles": [{"name", "policy_path"}], "root"}``.
- ``POST /approvals`` ``{"profile"}``: 201 a pending approval request.
- ``POST /approvals/{id}/approve`` and ``/deny``: only an approver of the requester's
  matching rule, never the requester.

Only ``GET /`` takes query parameters (``profile``, ``duration``); any other query
parameter, on any route, is INVALID_REQUEST. Callers are identified by
``lambdas.tvm.identity`` (``TVM_IDENTITIES``): names no caller can choose, case-folded.

Errors: ``{"error": CODE, "message": ...}``, codes and statuses in ``lambdas.tvm.codes.ErrorCode``.
One JSON decision line per request goes to stdout (CloudWatch Logs).

Environment (set by the component): ``TVM_PARAMETER_ROOT``, ``TVM_SESSION_TABLE``,
``TVM_APPROVAL_TABLE``, ``TVM_SOURCE_IDENTITY_PREFIX`` (sentinel),
``TVM_DEFAULT_DURATION_SECONDS`` (900), ``TVM_APPROVAL_TTL_SECONDS`` (3600),
``TVM_RULES_CACHE_SECONDS`` (30), ``TVM_IDENTITIES`` (JSON, default: IAM users of the API's
account and IAM Identity Center), ``AWS_REGION``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from lambdas.common.container import ContainerState
from lambdas.common.decisions import Writer, write_decision
from lambdas.common.events import HttpRequest, UnreadableBody
from lambdas.common.responses import error_response, json_response
from lambdas.common.sessions import SessionStore, is_session_id
from lambdas.common.settings import SettingsError, required, whole_number
from lambdas.tvm.approvals import ApprovalStore
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.identity import IdentityResolver, IdentitySources
from lambdas.tvm.model import ApiError, Outcome, Settings, VendRequest, parse_duration
from lambdas.tvm.profiles import ProfileSource
from lambdas.tvm.service import Tvm

SESSION_HEADER = "X-Sentinel-Session-ID"
NO_STORE = {"Cache-Control": "no-store"}
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"})
_APPROVAL_DECISION = re.compile(r"/approvals/([^/]{1,64})/(approve|deny)")
_VEND_FIELDS = {"profile", "duration", "approval_id", "session_id"}


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    def number(name: str, default: int, low: int, high: int) -> int:
        return whole_number(environ, name, default, low, high)

    return Settings(
        parameter_root=environ.get("TVM_PARAMETER_ROOT", "").strip() or "/sentinel/policies",
        session_table=required(environ, "TVM_SESSION_TABLE"),
        approval_table=required(environ, "TVM_APPROVAL_TABLE"),
        prefix=environ.get("TVM_SOURCE_IDENTITY_PREFIX", "").strip() or "sentinel",
        default_duration=number("TVM_DEFAULT_DURATION_SECONDS", 900, 900, 43200),
        approval_ttl=number("TVM_APPROVAL_TTL_SECONDS", 3600, 60, 86400),
        rules_cache_seconds=number("TVM_RULES_CACHE_SECONDS", 30, 0, 3600),
    )


def _build_tvm(overrides: Mapping[str, Any]) -> Tvm:
    settings = load_settings()
    session = overrides.get("session") or boto3.session.Session()
    region = os.environ.get("AWS_REGION")

    def client(name: str) -> Any:
        return session.client(name, region_name=region, config=CLIENT_CONFIG)

    profiles = ProfileSource(
        client("ssm"),
        settings.parameter_root,
        settings.rules_cache_seconds,
        **({"clock": overrides["monotonic"]} if "monotonic" in overrides else {}),
    )
    dynamodb = client("dynamodb")
    identities = IdentityResolver(
        _identity_sources(), client("iam"), **({"clock": overrides["monotonic"]} if "monotonic" in overrides else {})
    )
    extra = {k: overrides[k] for k in ("clock", "new_id") if k in overrides}
    return Tvm(
        settings,
        profiles,
        SessionStore(dynamodb, settings.session_table),
        ApprovalStore(dynamodb, settings.approval_table),
        client("sts"),
        identities,
        **extra,
    )


def _identity_sources(environ: Mapping[str, str] = os.environ) -> IdentitySources:
    try:
        return IdentitySources.from_json(environ.get("TVM_IDENTITIES", ""))
    except (ValueError, RecursionError) as error:
        raise SettingsError(f"TVM_IDENTITIES: {error}") from None


_state: ContainerState[Tvm] = ContainerState(_build_tvm)
_overrides = _state.overrides


def reset_state(**overrides: Any) -> None:
    """Forget the container's clients and caches (tests): overrides may give ``clock``
    (returns an aware datetime), ``new_id``, ``monotonic``, ``session`` (a boto3 Session)
    and ``log`` (takes each decision line instead of stdout)."""
    _state.reset(**overrides)


def current_tvm() -> Tvm:
    return _state.get()


def handler(event: Any, context: Any) -> dict:
    out = Outcome()
    request = HttpRequest.of(event)
    request_id = (request.request_id if request else None) or getattr(context, "aws_request_id", None)
    try:
        status, body, headers = _route(request, out)
        response = json_response(status, body, {**NO_STORE, **headers})
    except ApiError as error:
        out.code, out.reason = error.code, error.reason
        out.effect = "error" if error.status >= 500 else "deny"
        response = error_response(error.status, error.code, error.message, NO_STORE)
    except Exception as error:  # noqa: BLE001 - the caller gets a documented answer, the log the type
        out.code, out.effect, out.reason = ErrorCode.CREDENTIAL_ERROR, "error", f"unexpected {type(error).__name__}"
        response = error_response(
            ErrorCode.CREDENTIAL_ERROR.status,
            ErrorCode.CREDENTIAL_ERROR,
            "The request could not be completed.",
            NO_STORE,
        )
    log_decision(out, request_id, response["statusCode"], _overrides.get("log"))
    return response


def _route(request: HttpRequest | None, out: Outcome) -> tuple[int, dict, dict]:
    if request is None:
        raise ApiError(ErrorCode.INVALID_REQUEST, "Not an HTTP API request.")
    method, path = request.method, request.path
    known = {("GET", "/"), ("POST", "/"), ("GET", "/profiles"), ("POST", "/approvals")}
    decision = _APPROVAL_DECISION.fullmatch(path) if path is not None else None
    if (method, path) not in known and not (method == "POST" and decision):
        out.action = "not_found"
        raise ApiError(ErrorCode.NOT_FOUND, "Unknown API path.")
    if request.account_id is None:
        # Without the API's own account the caller's cannot be checked: refuse, never skip.
        raise ApiError(
            ErrorCode.IAM_AUTH_REQUIRED,
            "The request carries no account to check the caller against.",
            "no requestContext.accountId",
        )
    try:
        tvm = current_tvm()
    except SettingsError as error:
        raise ApiError(
            ErrorCode.CONFIG_ERROR, "The credential service is not configured correctly.", str(error)
        ) from None
    caller = tvm.caller(request.caller_arn, request.account_id, out)
    if (method, path) != ("GET", "/"):
        _no_query(request)
    if (method, path) == ("GET", "/profiles"):
        return 200, tvm.list_profiles(out), {}
    if decision:
        _json_body(request, allowed=set())
        return 200, tvm.decide_approval(caller, decision.group(1), decision.group(2) == "approve", out), {}
    if path == "/approvals":
        body = _json_body(request, allowed={"profile"})
        return 201, tvm.request_approval(caller, _profile_field(body.get("profile")), out), {}
    out.action = "vend"
    credentials, session_id = tvm.vend(caller, _vend_request(request), out)
    return 200, credentials, {SESSION_HEADER: session_id}


def _no_query(request: HttpRequest) -> None:
    if request.query or request.raw_query:
        raise ApiError(ErrorCode.INVALID_REQUEST, "This route takes no query parameters.")


def _vend_request(request: HttpRequest) -> VendRequest:
    if request.method == "GET":
        query = request.query or {}
        unknown = set(query) - {"profile", "duration"}
        if unknown:
            raise ApiError(ErrorCode.INVALID_REQUEST, "Only profile and duration are query parameters.")
        return VendRequest(_profile_field(query.get("profile")), parse_duration(query.get("duration"), from_query=True))
    body = _json_body(request, allowed=_VEND_FIELDS)
    for name in ("approval_id", "session_id"):
        value = body.get(name)
        if value is not None and not is_session_id(value):  # approval ids have the same shape
            raise ApiError(ErrorCode.INVALID_REQUEST, f"{name} must be an id this service issued.")
    return VendRequest(
        _profile_field(body.get("profile")),
        parse_duration(body.get("duration")),
        body.get("approval_id"),
        body.get("session_id"),
    )


def _profile_field(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(ErrorCode.INVALID_PROFILE, "Not a profile name.")
    return value


def _json_body(request: HttpRequest, allowed: set[str]) -> dict:
    try:
        raw = request.body()
        body = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnreadableBody, ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise ApiError(ErrorCode.INVALID_REQUEST, "The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.INVALID_REQUEST, "The body must be a JSON object.")
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(ErrorCode.INVALID_REQUEST, f"Unknown fields; allowed: {', '.join(sorted(allowed)) or 'none'}.")
    return body


def log_decision(out: Outcome, request_id: str | None, status: int, write: Writer | None = None) -> None:
    """One JSON line per request; never credentials, never a session id (only its ``session_ref``)."""
    write_decision(
        {
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user": out.user,
            "profile": out.profile,
            "effect": out.effect,
            "rule": out.rule,
            "reason": out.reason,
            "request_id": request_id,
            "source_identity": out.source_identity,
            "role_arn": out.role_arn,
            "duration": out.duration,
            "action": out.action,
            "status": status,
            "code": out.code,
            "session_ref": out.session_ref,
            "approval_id": out.approval_id,
            "identity_source": out.identity_source,
        },
        write,
    )
