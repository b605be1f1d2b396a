"""Operators list and revoke sessions; the TVM and the authorizer refuse revoked ones at once."""

from __future__ import annotations

import json

import pytest

from cli import tvm_sessions
from lambdas.authorizer import handler as authorizer
from lambdas.common.sessions import session_key
from tests.support.tvm_world import SESSIONS


@pytest.fixture
def world(tvm_world):
    tvm_world.restart(keep_logs=True)
    return tvm_world


def cli(world, capsys, *argv, clock=None):
    code = tvm_sessions.main(
        ["--table", SESSIONS, *argv], session=world.session, clock=clock or (lambda: world.clock.now.timestamp())
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_list_filters_by_user_and_profile(world, capsys):
    alice_prod = world.vend("prod").headers["X-Sentinel-Session-ID"]
    world.vend("dev")
    world.vend("prod", "ops-anna")
    code, out, _ = cli(world, capsys, "list", "--json", "--user", "alice", "--profile", "prod")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["key"] for r in rows] == [session_key(alice_prod)]
    assert alice_prod not in out
    assert rows[0]["status"] == "active" and rows[0]["source_identity"].startswith("sentinel.alice.")
    code, out, _ = cli(world, capsys, "list")
    assert code == 0 and len(out.splitlines()) == 4 and out.startswith("KEY")


def test_revoke_records_who_when_why_and_everything_refuses_the_session(world, capsys):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    authorizer.reset_state(clock=lambda: world.clock.now.timestamp(), session=world.session)
    header = {"headers": {"x-sentinel-session-id": session_id}}
    assert authorizer.handler(header, None)["isAuthorized"] is True
    code, out, _err = cli(world, capsys, "revoke", session_id, "--reason", "laptop stolen")
    assert code == 0 and "stay valid until they expire" in out
    item = world.dynamodb.get_item(TableName=SESSIONS, Key={"session_id": {"S": session_key(session_id)}})["Item"]
    assert item["status"]["S"] == "revoked" and item["revoked_reason"]["S"] == "laptop stolen"
    assert item["revoked_by"]["S"].startswith("arn:aws:sts::") or item["revoked_by"]["S"].startswith("arn:aws:iam::")
    assert int(item["revoked_at"]["N"]) == int(world.clock.now.timestamp())
    assert authorizer.handler(header, None) == {"isAuthorized": False}
    refresh = world.call("POST", "/", body={"session_id": session_id})
    assert (refresh.status, refresh.body["error"]) == (403, "SESSION_REVOKED")
    code, out, _ = cli(world, capsys, "list")
    assert "revoked" in out and "laptop stolen" in out


def test_revoke_unknown_or_twice(world, capsys):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    assert cli(world, capsys, "revoke", "0" * 32, "--reason", "x")[0] == 1
    assert cli(world, capsys, "revoke", session_id, "--reason", "first")[0] == 0
    code, _, err = cli(world, capsys, "revoke", session_id, "--reason", "second")
    assert code == 1 and "already revoked" in err
    item = world.dynamodb.get_item(TableName=SESSIONS, Key={"session_id": {"S": session_key(session_id)}})["Item"]
    assert item["revoked_reason"]["S"] == "first"


def test_revoke_needs_a_reason_and_a_table(world, capsys, monkeypatch):
    assert cli(world, capsys, "revoke", "0" * 32, "--reason", "  ")[0] == 2
    monkeypatch.delenv("TVM_SESSION_TABLE", raising=False)
    assert tvm_sessions.main(["list"], session=world.session) == 2


def test_aws_errors_exit_2(world, capsys):
    world.dynamodb.delete_table(TableName=SESSIONS)
    code, _, err = cli(world, capsys, "list")
    assert code == 2 and err.startswith("tvm-sessions: AWS error")


def test_revoking_a_vend_in_flight_issues_nothing(world, capsys):
    """The session is pending while STS answers: an operator's revoke then wins, and the vend
    answers SESSION_REVOKED without credentials."""
    outcome = {}

    def revoke_pending(**_):
        [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
        assert item["status"]["S"] == "pending"
        outcome["cli"] = cli(world, capsys, "revoke", item["session_id"]["S"], "--reason", "suspicious")

    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", revoke_pending)
    answer = world.vend("prod")
    assert outcome["cli"][0] == 0, outcome["cli"]
    assert (answer.status, set(answer.body), answer.body["error"]) == (403, {"error", "message"}, "SESSION_REVOKED")
    assert "X-Sentinel-Session-ID" not in answer.headers
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert (item["status"]["S"], item["revoked_reason"]["S"]) == ("revoked", "suspicious")


def test_a_pending_session_past_its_expiry_lists_as_expired(world, capsys):
    world.tvm.sessions.client.meta.events.register("before-call.dynamodb.UpdateItem", _refuse_updates)
    world.vend("prod")
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert item["status"]["S"] == "pending"
    later = int(item["expires_at"]["N"]) + 1
    code, out, _ = cli(world, capsys, "list", clock=lambda: later)
    [row] = out.splitlines()[1:]
    assert code == 0 and row.split()[3] == "expired", row


def _refuse_updates(**_):
    from botocore.exceptions import ClientError

    raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "UpdateItem")


@pytest.mark.parametrize("argv", [[], ["revoke", "x"], ["list", "--nope"], ["revoke-approval"]])
def test_bad_usage_is_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        tvm_sessions.main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith("tvm-sessions: ") and err.count("\n") == 1


def test_a_malformed_session_is_one_line(world, capsys):
    code, _, err = cli(world, capsys, "revoke", "not-a-key", "--reason", "x")
    assert code == 2 and err.startswith("tvm-sessions: SESSION must be") and err.count("\n") == 1
