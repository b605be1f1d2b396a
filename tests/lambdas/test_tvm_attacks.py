"""Attacks on the TVM, each tried as an attacker would, against moto with the dev-like world.

Each one vended credentials to the wrong person, or left access behind, before identity
sources, hashed session ids, single-use approvals and idempotent writes.
"""

from __future__ import annotations

import copy
import json

import pytest
from botocore.exceptions import EndpointConnectionError
from moto.core.models import botocore_stubber

from cli import tvm_sessions
from lambdas.authorizer import handler as authorizer
from lambdas.common.sessions import session_key
from lambdas.tvm import handler as tvm
from tests.support.tvm_world import ACCOUNT_ID, APPROVALS, PROD_RULES, SESSIONS, iam_user_arn, role_session_arn

CREDENTIAL_KEYS = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
TRUST_ANYONE_IN_ACCOUNT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}
        ],
    }
)


@pytest.fixture
def world(tvm_world):
    tvm_world.restart(keep_logs=True)
    return tvm_world


def refused(answer, status: int, code: str) -> None:
    assert (answer.status, answer.body.get("error")) == (status, code), answer.body
    assert not CREDENTIAL_KEYS & set(answer.body) and "X-Sentinel-Session-ID" not in answer.headers


def items(world, table: str) -> list[dict]:
    return world.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]


def identities(world, monkeypatch, **sources) -> None:
    monkeypatch.setenv("TVM_IDENTITIES", json.dumps(sources))
    world.restart(keep_logs=True)


# -- 1. the caller names itself ------------------------------------------------------------


def test_a_session_name_chosen_at_assume_role_is_not_an_identity(world):
    """`aws sts assume-role --role-arn <any role I may assume> --role-session-name alice`."""
    world.iam.create_role(RoleName="ci-runner", AssumeRolePolicyDocument=TRUST_ANYONE_IN_ACCOUNT)
    refused(world.vend("prod", role_session_arn("ci-runner", "alice")), 403, "UNTRUSTED_IDENTITY")
    assert not world.assumed and not items(world, SESSIONS)


def test_a_federated_user_is_not_an_identity(world):
    """`aws sts get-federation-token --name alice`."""
    refused(world.vend("prod", f"arn:aws:sts::{ACCOUNT_ID}:federated-user/alice"), 403, "UNTRUSTED_IDENTITY")
    assert not world.assumed


def test_a_role_named_like_identity_center_on_another_path_is_not_identity_center(world):
    world.iam.create_role(
        RoleName="AWSReservedSSO_Admin_ffffffffffffffff",
        Path="/attacker/",
        AssumeRolePolicyDocument=TRUST_ANYONE_IN_ACCOUNT,
    )
    world.iam.create_role(
        RoleName="AWSReservedSSO_Nothing_0000000000000000", AssumeRolePolicyDocument=TRUST_ANYONE_IN_ACCOUNT
    )
    for role in (
        "AWSReservedSSO_Admin_ffffffffffffffff",
        "AWSReservedSSO_Nothing_0000000000000000",
        "AWSReservedSSO_Missing_1111111111111111",
    ):
        refused(world.vend("prod", role_session_arn(role, "alice")), 403, "UNTRUSTED_IDENTITY")
    assert not world.assumed


def test_identity_center_sessions_and_iam_users_are_served(world):
    assert world.vend("prod", "alice").status == 200
    assert world.vend("prod", iam_user_arn("ops-anna")).status == 200
    assert [p["SourceIdentity"].rsplit(".", 1)[0] for p in world.assumed] == ["sentinel.alice", "sentinel.ops-anna"]


def test_the_identity_center_role_is_verified_once_per_container(world):
    calls = []
    world.tvm.identities.iam.meta.events.register("before-call.iam.GetRole", lambda **kw: calls.append(1))
    for _ in range(3):
        assert world.vend("dev", "alice").status == 200
    assert len(calls) == 1


def test_other_accounts_and_their_roles_are_refused(world):
    for arn in (
        iam_user_arn("alice", "210987654321"),
        role_session_arn("AWSReservedSSO_Admin_0123456789abcdef", "alice", "210987654321"),
    ):
        refused(world.vend("prod", arn), 403, "UNTRUSTED_IDENTITY")


def test_iam_users_of_configured_accounts_only(world, monkeypatch):
    identities(world, monkeypatch, iamUsers={"accounts": ["210987654321"]}, identityCenter={"enabled": False})
    assert world.vend("dev", iam_user_arn("alice", "210987654321")).status == 200
    refused(world.vend("dev", iam_user_arn("alice")), 403, "UNTRUSTED_IDENTITY")
    refused(world.vend("dev", "alice"), 403, "UNTRUSTED_IDENTITY")  # Identity Center off


def test_a_listed_role_is_trusted_only_while_its_trust_pins_the_session_name(world, monkeypatch):
    pinned = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Condition": {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}},
            }
        ],
    }
    world.iam.create_role(RoleName="engineers", Path="/people/", AssumeRolePolicyDocument=json.dumps(pinned))
    world.iam.create_role(RoleName="loose", AssumeRolePolicyDocument=TRUST_ANYONE_IN_ACCOUNT)
    identities(
        world,
        monkeypatch,
        roles=[
            f"arn:aws:iam::{ACCOUNT_ID}:role/people/engineers",
            f"arn:aws:iam::{ACCOUNT_ID}:role/loose",
            f"arn:aws:iam::{ACCOUNT_ID}:role/wrong-path/ci-runner",
        ],
    )
    world.iam.create_role(RoleName="ci-runner", Path="/", AssumeRolePolicyDocument=json.dumps(pinned))
    answer = world.vend("dev", role_session_arn("engineers", "Alice"))
    assert answer.status == 200 and world.assumed[-1]["SourceIdentity"].startswith("sentinel.alice.")
    refused(world.vend("dev", role_session_arn("loose", "alice")), 403, "UNTRUSTED_IDENTITY")
    refused(world.vend("dev", role_session_arn("ci-runner", "alice")), 403, "UNTRUSTED_IDENTITY")


def test_case_variants_do_not_dodge_a_deny_rule(world):
    for name in ("intern-zoe", "Intern-zoe", "INTERN-ZOE"):
        refused(world.vend("prod", iam_user_arn(name)), 403, "POLICY_DENY")
        refused(world.vend("prod", name), 403, "POLICY_DENY")
    assert not world.assumed


def test_a_broken_identity_setting_fails_closed(world, monkeypatch):
    for value in (
        "[",
        "[]",
        '{"roles": ["not-an-arn"]}',
        '{"iamUsers": {"enabled": false}, "identityCenter": {"enabled": false}}',
        '{"other": 1}',
    ):
        monkeypatch.setenv("TVM_IDENTITIES", value)
        tvm.reset_state(session=world.session, clock=world.clock, new_id=world.new_id, log=world.logs.append)
        refused(world.vend("dev", "alice"), 500, "CONFIG_ERROR")


# -- self-approval in every form -------------------------------------------------------------

SELF_APPROVAL_RULES = copy.deepcopy(PROD_RULES)
SELF_APPROVAL_RULES["rules"][2]["approvers"] = ["bob", "carol", "dave-*"]  # carol approves others


@pytest.mark.parametrize("approver", ["carol", "Carol", iam_user_arn("Carol"), iam_user_arn("carol")])
def test_nobody_approves_their_own_request_under_any_name(world, approver):
    world.put_rules("prod", SELF_APPROVAL_RULES)
    approval_id = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    refused(world.call("POST", f"/approvals/{approval_id}/approve", approver), 403, "POLICY_DENY")
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")


def test_an_approver_session_name_chosen_at_assume_role_cannot_approve(world):
    world.iam.create_role(RoleName="ci-runner", AssumeRolePolicyDocument=TRUST_ANYONE_IN_ACCOUNT)
    approval_id = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    refused(
        world.call("POST", f"/approvals/{approval_id}/approve", role_session_arn("ci-runner", "bob")),
        403,
        "UNTRUSTED_IDENTITY",
    )
    assert items(world, APPROVALS)[0]["status"]["S"] == "pending"


# -- 3. approvals: used once, bound to their rule and approvers ----------------------------


def approved(world, requester="carol", approver="bob") -> str:
    approval_id = world.call("POST", "/approvals", requester, body={"profile": "prod"}).body["approval_id"]
    assert world.call("POST", f"/approvals/{approval_id}/approve", approver).status == 200
    return approval_id


def test_an_approval_vends_once_and_not_again_after_its_session_is_revoked(world, capsys):
    approval_id = approved(world)
    first = world.vend("prod", "carol", approval_id=approval_id)
    assert first.status == 200
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    session_id = first.headers["X-Sentinel-Session-ID"]
    assert (
        tvm_sessions.main(["--table", SESSIONS, "revoke", session_id, "--reason", "done"], session=world.session) == 0
    )
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    refused(world.call("POST", "/", "carol", body={"session_id": session_id}), 403, "SESSION_REVOKED")
    assert len(world.assumed) == 1


def test_an_approval_is_not_accepted_under_another_rule(world):
    approval_id = approved(world)
    rules = copy.deepcopy(PROD_RULES)
    rules["rules"][2]["name"] = "break-glass-v2"  # same users, another rule (other approvers)
    rules["rules"][2]["approvers"] = ["erin"]
    world.put_rules("prod", rules)
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    assert not world.assumed


def test_a_removed_approver_no_longer_grants(world):
    approval_id = approved(world, approver="dave-ops")
    rules = copy.deepcopy(PROD_RULES)
    rules["rules"][2]["approvers"] = ["bob"]  # dave-* removed after approving
    world.put_rules("prod", rules)
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    # ... and one added after the request cannot decide it either (bound to the approvers it was asked of).
    pending = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    rules["rules"][2]["approvers"] = ["bob", "erin"]
    world.put_rules("prod", rules)
    refused(world.call("POST", f"/approvals/{pending}/approve", "erin"), 403, "POLICY_DENY")


def test_a_refresh_of_an_approved_session_ends_with_its_approval(world):
    approval_id = approved(world)
    session_id = world.vend("prod", "carol", approval_id=approval_id).headers["X-Sentinel-Session-ID"]
    assert world.call("POST", "/", "carol", body={"session_id": session_id}).status == 200
    assert (
        tvm_sessions.main(
            [
                "--table",
                SESSIONS,
                "--approval-table",
                APPROVALS,
                "revoke-approval",
                approval_id,
                "--reason",
                "incident over",
            ],
            session=world.session,
        )
        == 0
    )
    refused(world.call("POST", "/", "carol", body={"session_id": session_id}), 403, "SESSION_REVOKED")
    [session] = items(world, SESSIONS)
    assert session["status"]["S"] == "revoked" and "incident over" in session["revoked_reason"]["S"]


def test_revoke_approval_ends_an_unused_approval(world, capsys):
    approval_id = approved(world)
    argv = ["--table", SESSIONS, "--approval-table", APPROVALS, "revoke-approval", approval_id, "--reason", "no"]
    assert tvm_sessions.main(argv, session=world.session) == 0
    refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    assert tvm_sessions.main(argv, session=world.session) == 1
    assert "already revoked" in capsys.readouterr().err


def test_a_failed_vend_gives_its_approval_back(world):
    approval_id = approved(world)

    def refuse(**_):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "AssumeRole")

    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", refuse)
    refused(world.vend("prod", "carol", approval_id=approval_id), 500, "CREDENTIAL_ERROR")
    world.tvm.sts.meta.events.unregister("before-call.sts.AssumeRole", refuse)
    assert world.vend("prod", "carol", approval_id=approval_id).status == 200


# -- 2. session ids: bearer tokens nobody can read back --------------------------------------


def test_a_table_reader_learns_no_session_id(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    dump = json.dumps(items(world, SESSIONS))
    assert session_id not in dump and session_id[:8] not in dump
    [key] = [item["session_id"]["S"] for item in items(world, SESSIONS)]
    assert key == session_key(session_id)
    authorizer.reset_state(clock=lambda: world.clock.now.timestamp(), session=world.session)
    assert authorizer.handler({"headers": {"x-sentinel-session-id": session_id}}, None)["isAuthorized"] is True
    for presented in (key, key[:32], key[-32:]):
        assert authorizer.handler({"headers": {"x-sentinel-session-id": presented}}, None) == {"isAuthorized": False}
        refused(world.call("POST", "/", "alice", body={"session_id": presented[:32]}), 400, "INVALID_REQUEST")


def test_sts_and_the_logs_carry_only_the_reference(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    [params] = world.assumed
    assert session_id[:8] not in json.dumps(params) and session_id[:8] not in json.dumps(world.logs)
    assert params["Tags"] == [{"Key": "SentinelSessionRef", "Value": session_key(session_id)[:8]}]


# -- 4. lost replies --------------------------------------------------------------------------


def lose_next_reply(client, operation: str, times: int = 1) -> list:
    """DynamoDB applies the call, then its reply is lost: botocore retries the same request
    (whose reply arrives). Up to ``times`` calls lose their first reply."""
    lost: list = []

    def apply_then_lose(request, event_name, **_):
        first_attempt = request.headers.get("amz-sdk-request", b"attempt=1")
        first_attempt = first_attempt.decode() if isinstance(first_attempt, bytes) else first_attempt
        if len(lost) >= times or not first_attempt.startswith("attempt=1"):
            return None
        botocore_stubber(event_name=event_name, request=request)
        lost.append(operation)
        raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register_first(f"before-send.dynamodb.{operation}", apply_then_lose)
    return lost


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem"])
def test_a_vend_whose_writes_lose_their_replies_still_answers_right(world, operation):
    lost = lose_next_reply(world.tvm.sessions.client, operation, times=3)
    answer = world.vend("prod")
    assert answer.status == 200 and set(answer.body) == CREDENTIAL_KEYS, answer.body
    assert lost
    [session] = items(world, SESSIONS)
    assert session["status"]["S"] == "active"


def test_an_approved_vend_whose_every_write_loses_its_reply(world):
    approval_id = approved(world)
    updates = lose_next_reply(world.tvm.sessions.client, "UpdateItem", times=5)
    puts = lose_next_reply(world.tvm.sessions.client, "PutItem")
    answer = world.vend("prod", "carol", approval_id=approval_id)
    assert answer.status == 200, answer.body
    assert len(updates) == 2 and len(puts) == 1  # approval spent, session activated; session written
    [approval] = items(world, APPROVALS)
    assert approval["status"]["S"] == "used"
    assert approval["used_by"]["S"] == session_key(answer.headers["X-Sentinel-Session-ID"])


@pytest.mark.parametrize("decision, status", [("approve", "approved"), ("deny", "denied")])
def test_a_decision_whose_reply_was_lost_is_answered_as_recorded(world, decision, status):
    approval_id = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    lose_next_reply(world.tvm.sessions.client, "UpdateItem")
    answer = world.call("POST", f"/approvals/{approval_id}/{decision}", "bob")
    assert (answer.status, answer.body.get("status")) == (200, status), answer.body


def test_an_approval_request_whose_reply_was_lost(world):
    lose_next_reply(world.tvm.sessions.client, "PutItem")
    answer = world.call("POST", "/approvals", "carol", body={"profile": "prod"})
    assert answer.status == 201, answer.body
    assert len(items(world, APPROVALS)) == 1


def test_a_refresh_whose_reply_was_lost_is_issued(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    world.clock.advance(seconds=300)
    lose_next_reply(world.tvm.sessions.client, "UpdateItem")
    answer = world.call("POST", "/", body={"session_id": session_id})
    assert answer.status == 200, answer.body
    [session] = items(world, SESSIONS)
    assert int(session["expires_at"]["N"]) == int(world.clock.now.timestamp()) + 900


def test_an_operator_revoke_whose_reply_was_lost_says_revoked(world, capsys):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    original = world.session.client

    def client(name, *args, **kwargs):
        made = original(name, *args, **kwargs)
        if name == "dynamodb":
            lose_next_reply(made, "UpdateItem")
        return made

    world.session.client = client
    try:
        code = tvm_sessions.main(
            ["--table", SESSIONS, "revoke", session_id, "--reason", "stolen"], session=world.session
        )
    finally:
        world.session.client = original
    out, err = capsys.readouterr()
    assert code == 0 and "revoked session" in out and "already" not in err


# -- 6. smaller: patterns matched whole, query strings, foreign items ------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"profile": "prod\n"},
        {"profile": "dev", "duration": "900\n"},
        {"profile": "dev", "duration": "٩٠٠"},
        {"profile": "dev", "duration": "９００"},
    ],
)
def test_trailing_newlines_and_non_ascii_digits_are_refused(world, query):
    answer = world.call("GET", "/", "alice", query=query)
    assert answer.status == 400 and answer.body["error"] in ("INVALID_PROFILE", "INVALID_DURATION"), answer.body
    assert not world.assumed


def test_a_session_or_approval_id_with_a_trailing_newline_is_refused(world):
    session_id = world.vend("dev").headers["X-Sentinel-Session-ID"]
    refused(world.call("POST", "/", body={"session_id": session_id + "\n"}), 400, "INVALID_REQUEST")
    refused(world.call("POST", f"/approvals/{'a' * 32}\n/approve", "bob"), 400, "INVALID_REQUEST")


@pytest.mark.parametrize("method, path", [("POST", "/"), ("GET", "/profiles"), ("POST", "/approvals")])
def test_query_parameters_off_get_root_are_refused(world, method, path):
    event = world.event(method, path, "alice", query={"profile": "prod"}, body={"profile": "dev"})
    answer = world.call(event=event)
    refused(answer, 400, "INVALID_REQUEST")
    assert not world.assumed


def test_the_operator_listing_skips_items_the_tvm_did_not_write(world, capsys):
    world.vend("dev")
    world.dynamodb.put_item(TableName=SESSIONS, Item={"session_id": {"S": "junk"}, "user": {"N": "1"}})
    world.dynamodb.put_item(TableName=SESSIONS, Item={"session_id": {"S": "other"}})
    code = tvm_sessions.main(["--table", SESSIONS, "list"], session=world.session)
    out, err = capsys.readouterr()
    assert code == 0 and len(out.splitlines()) == 2 and "skipped 2 item(s)" in err
