"""REQUEST authorizer for downstream HTTP APIs (payload 2.0, simple responses).

Reads the session id from the ``X-Sentinel-Session-ID`` header or the
``sentinel_session_id`` query parameter and allows only a session that exists, is
``active`` and has not expired. Anything else is denied, including a DynamoDB error or a
missing setting (fail closed). The id is a bearer credential and the table holds only its
SHA-256, so the authorizer hashes what it is presented. One JSON line per decision goes
to stdout and the context passed to the integration names the session by ``sessionRef``
(8 hex digits of the hash), never by its id.

Environment: ``TVM_SESSION_TABLE``, ``AWS_REGION``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from lambdas.common.container import ContainerState
from lambdas.common.decisions import write_decision
from lambdas.common.events import HttpRequest
from lambdas.common.sessions import ACTIVE, SessionStore, StoreError, is_session_id, session_key, session_ref
from lambdas.common.settings import SettingsError, required

HEADER = "x-sentinel-session-id"
QUERY = "sentinel_session_id"
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})


@dataclass(frozen=True)
class Container:
    """What one Lambda container keeps between invocations."""

    store: SessionStore
    clock: Callable[[], float]


def _build_container(overrides: Mapping[str, Any]) -> Container:
    table = required(os.environ, "TVM_SESSION_TABLE")
    client = (overrides.get("session") or boto3.session.Session()).client(
        "dynamodb", region_name=os.environ.get("AWS_REGION"), config=CLIENT_CONFIG
    )
    return Container(SessionStore(client, table), overrides.get("clock") or time.time)


_state: ContainerState[Container] = ContainerState(_build_container)
_overrides = _state.overrides


def reset_state(**overrides: Any) -> None:
    """Forget the container (tests); overrides: ``clock`` (epoch seconds), ``session`` (a boto3
    Session), ``log`` (takes each decision line instead of stdout)."""
    _state.reset(**overrides)


def current_store() -> SessionStore:
    return _state.get().store


def session_id_of(event: Any) -> str | None:
    request = HttpRequest.of(event)
    if request is None:
        return None
    value = request.headers.get(HEADER)
    if value is None and request.query is not None:
        value = request.query.get(QUERY)
    return value if is_session_id(value) else None


def handler(event: Any, context: Any) -> dict:
    session_id = session_id_of(event)
    key = session_key(session_id) if session_id is not None else None
    allowed, reason, session = False, "no session id", None
    if key is not None:
        try:
            container = _state.get()
            session = container.store.get(key)
        except (StoreError, SettingsError) as error:
            reason = f"session store unavailable: {error}"
        except Exception as error:  # noqa: BLE001 - fail closed on anything
            reason = f"unexpected {type(error).__name__}"
        else:
            if session is None:
                reason = "unknown session"
            elif session.status != ACTIVE:
                reason = f"session {session.status}"
            elif session.expires_at <= container.clock():
                reason = "session expired"
            else:
                allowed, reason = True, "active session"
    write_decision(
        {
            "authorizer": True,
            "session_ref": session_ref(key),
            "allowed": allowed,
            "reason": reason,
            "user": session.user if session else None,
        },
        _overrides.get("log"),
    )
    if not allowed or session is None:
        return {"isAuthorized": False}
    return {
        "isAuthorized": True,
        "context": {
            "sessionRef": session.ref,
            "user": session.user,
            "profile": session.profile,
            "sourceIdentity": session.source_identity,
        },
    }
