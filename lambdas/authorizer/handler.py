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

import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

import boto3
from botocore.config import Config

from lambdas.common.sessions import ACTIVE, SessionStore, StoreError, is_session_id, session_key, session_ref

HEADER = "x-sentinel-session-id"
QUERY = "sentinel_session_id"
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})

_store: Optional[SessionStore] = None
_clock: Callable[[], float] = time.time
_session: Any = None


def reset_state(clock: Callable[[], float] = time.time, session: Any = None) -> None:
    global _store, _clock, _session
    _store, _clock, _session = None, clock, session


def _current_store() -> SessionStore:
    global _store
    if _store is None:
        table = os.environ.get("TVM_SESSION_TABLE", "").strip()
        if not table:
            raise StoreError("TVM_SESSION_TABLE not set")
        client = (_session or boto3.session.Session()).client(
            "dynamodb", region_name=os.environ.get("AWS_REGION"), config=CLIENT_CONFIG)
        _store = SessionStore(client, table)
    return _store


def session_id_of(event: Any) -> Optional[str]:
    if not isinstance(event, Mapping):
        return None
    raw_headers = event.get("headers")
    headers = raw_headers if isinstance(raw_headers, Mapping) else {}
    value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == HEADER), None)
    if value is None:
        query = event.get("queryStringParameters")
        value = query.get(QUERY) if isinstance(query, Mapping) else None
    return value if is_session_id(value) else None


def handler(event: Any, context: Any) -> dict:
    session_id = session_id_of(event)
    key = session_key(session_id) if session_id is not None else None
    allowed, reason, session = False, "no session id", None
    if key is not None:
        try:
            session = _current_store().get(key)
        except StoreError as error:
            reason = f"session store unavailable: {error}"
        except Exception as error:  # noqa: BLE001 - fail closed on anything
            reason = f"unexpected {type(error).__name__}"
        else:
            if session is None:
                reason = "unknown session"
            elif session.status != ACTIVE:
                reason = f"session {session.status}"
            elif session.expires_at <= _clock():
                reason = "session expired"
            else:
                allowed, reason = True, "active session"
    sys.stdout.write(json.dumps({"authorizer": True, "session_ref": session_ref(key), "allowed": allowed,
                                 "reason": reason, "user": session.user if session else None}, sort_keys=True) + "\n")
    if not allowed or session is None:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"sessionRef": session.ref, "user": session.user,
                                              "profile": session.profile,
                                              "sourceIdentity": session.source_identity}}
