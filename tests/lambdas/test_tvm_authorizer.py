"""The session authorizer (REQUEST, payload 2.0, simple responses) against DynamoDB in moto."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from lambdas.authorizer import handler as authorizer
from lambdas.common.sessions import Session, SessionStore, session_key
from tests.support.events import load_event
from tests.support.tvm_world import SESSIONS

NOW = 1_800_000_000
ACTIVE_ID, REVOKED_ID, EXPIRED_ID = "a" * 32, "b" * 32, "c" * 32


def ref(session_id: str) -> str:
    return session_key(session_id)[:8]


@pytest.fixture
def store(tvm_world, boto_session):
    store = SessionStore(tvm_world.dynamodb, SESSIONS)
    for session_id, expires in ((ACTIVE_ID, NOW + 600), (REVOKED_ID, NOW + 600), (EXPIRED_ID, NOW - 1)):
        store.create(
            Session(
                session_key(session_id),
                "alice",
                "prod",
                f"sentinel.alice.{ref(session_id)}",
                "arn:aws:iam::123456789012:role/p",
                NOW - 300,
                expires,
            )
        )
    store.revoke(session_key(REVOKED_ID), "bob", "laptop lost", NOW)
    authorizer.reset_state(clock=lambda: NOW, session=boto_session)
    return store


def request(header=None, query=None, header_name="x-sentinel-session-id"):
    event = load_event("http_api_v2_authorizer_request")
    if header is not None:
        event["headers"][header_name] = header
    if query is not None:
        event["queryStringParameters"] = {"sentinel_session_id": query}
    return event


def test_active_session_is_allowed_with_context(store):
    answer = authorizer.handler(request(ACTIVE_ID), None)
    # The integration behind the authorizer learns who and which session, never the bearer id.
    assert answer == {
        "isAuthorized": True,
        "context": {
            "sessionRef": ref(ACTIVE_ID),
            "user": "alice",
            "profile": "prod",
            "sourceIdentity": f"sentinel.alice.{ref(ACTIVE_ID)}",
        },
    }
    assert ACTIVE_ID not in json.dumps(answer)


def test_a_table_reader_cannot_replay_what_the_table_holds(store, tvm_world):
    """Anyone who may read the table (a profile with dynamodb:Scan) sees keys, not ids: a key
    presented as a session id is refused."""
    keys = [item["session_id"]["S"] for item in tvm_world.dynamodb.scan(TableName=SESSIONS)["Items"]]
    assert session_key(ACTIVE_ID) in keys and ACTIVE_ID not in json.dumps(keys)
    for key in keys:
        for presented in (key, key[:32], key[32:]):
            assert authorizer.handler(request(presented), None) == {"isAuthorized": False}


def test_query_parameter_and_header_case(store):
    assert authorizer.handler(request(query=ACTIVE_ID), None)["isAuthorized"] is True
    assert authorizer.handler(request(ACTIVE_ID, header_name="X-Sentinel-Session-ID"), None)["isAuthorized"] is True


@pytest.mark.parametrize(
    "event",
    [
        request(REVOKED_ID),
        request(EXPIRED_ID),
        request("d" * 32),
        request(),
        request("not-an-id"),
        request(query="x' OR 1=1"),
        {},
        None,
        [],
        "x",
    ],
)
def test_everything_else_is_denied(store, event):
    assert authorizer.handler(event, None) == {"isAuthorized": False}


def test_a_pending_session_is_denied(store):
    # The TVM writes a session pending before AssumeRole and activates it afterwards.
    pending_id = "e" * 32
    store.create(
        Session(
            session_key(pending_id),
            "alice",
            "prod",
            f"sentinel.alice.{ref(pending_id)}",
            "arn:aws:iam::123456789012:role/p",
            NOW - 10,
            NOW + 600,
            "pending",
        )
    )
    assert authorizer.handler(request(pending_id), None) == {"isAuthorized": False}
    store.activate(session_key(pending_id), "alice", NOW)
    assert authorizer.handler(request(pending_id), None)["isAuthorized"] is True


def test_the_log_never_holds_the_bearer_session_id(store, capsys):
    authorizer.handler(request(ACTIVE_ID), None)
    authorizer.handler(request(REVOKED_ID), None)
    authorizer.handler(request("d" * 32), None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [line["session_ref"] for line in lines] == [ref("a" * 32), ref("b" * 32), ref("d" * 32)]
    assert [line["allowed"] for line in lines] == [True, False, False]
    text = json.dumps(lines)
    for session_id in (ACTIVE_ID, REVOKED_ID, "d" * 32):
        assert session_id[:8] not in text


def test_revocation_takes_effect_at_once(store):
    assert authorizer.handler(request(ACTIVE_ID), None)["isAuthorized"] is True
    store.revoke(session_key(ACTIVE_ID), "bob", "incident", NOW)
    assert authorizer.handler(request(ACTIVE_ID), None) == {"isAuthorized": False}


def test_dynamodb_errors_deny(store):
    def fail(**_):
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "GetItem")

    authorizer.current_store().client.meta.events.register("before-call.dynamodb.GetItem", fail)
    assert authorizer.handler(request(ACTIVE_ID), None) == {"isAuthorized": False}


def test_missing_table_setting_denies(store, monkeypatch):
    monkeypatch.delenv("TVM_SESSION_TABLE")
    authorizer.reset_state(clock=lambda: NOW)
    assert authorizer.handler(request(ACTIVE_ID), None) == {"isAuthorized": False}


def test_a_deleted_table_denies(store):
    store.client.delete_table(TableName=SESSIONS)
    assert authorizer.handler(request(ACTIVE_ID), None) == {"isAuthorized": False}
