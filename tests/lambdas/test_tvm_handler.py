"""The TVM handler with HTTP API v2 events against STS, SSM and DynamoDB in moto."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from lambdas.common.sessions import SessionStore, session_key
from lambdas.tvm import handler as tvm
from lambdas.tvm.service import ROLE_CHAINING_LIMIT
from tests.support.tvm_world import ACCOUNT_ID, APPROVALS, DEV_RULES, PROD_RULES, ROLE_ARN, ROOT, SESSIONS, b64

CREDENTIAL_KEYS = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}


@pytest.fixture
def world(tvm_world):
    return tvm_world


def decisions(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def session_item(world, session_id: str) -> dict:
    """The item of a session, found as the TVM finds it: by the SHA-256 of its id."""
    item = world.dynamodb.get_item(TableName=SESSIONS, Key={"session_id": {"S": session_key(session_id)}})["Item"]
    return {k: next(iter(v.values())) for k, v in item.items() if k != "write_token"}


def ref(session_id: str) -> str:
    return session_key(session_id)[:8]


def assert_refused(answer, status: int, code: str) -> None:
    assert (answer.status, answer.body["error"]) == (status, code), answer.body
    assert set(answer.body) == {"error", "message"}
    assert not CREDENTIAL_KEYS & set(answer.body)
    assert "X-Sentinel-Session-ID" not in answer.headers


# -- the happy path ---------------------------------------------------------------------


def test_vends_credentials_with_source_identity_and_session_tag(world, capsys):
    answer = world.call("GET", "/", "alice", query={"profile": "prod"})
    assert answer.status == 200 and set(answer.body) == CREDENTIAL_KEYS
    assert answer.body["AccessKeyId"].startswith("ASIA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer.body["Expiration"])
    session_id = answer.headers["X-Sentinel-Session-ID"]
    assert answer.headers["Cache-Control"] == "no-store"
    [params] = world.assumed
    assert params["RoleArn"] == ROLE_ARN
    assert params["SourceIdentity"] == f"sentinel.alice.{ref(session_id)}"
    assert re.fullmatch(r"[\w+=,.@-]{2,64}", params["SourceIdentity"], re.ASCII)
    assert params["Tags"] == [{"Key": "SentinelSessionRef", "Value": ref(session_id)}]
    assert params["DurationSeconds"] == 900
    item = session_item(world, session_id)
    issued = int(world.clock.now.timestamp())
    assert item == {
        "session_id": session_key(session_id),
        "user": "alice",
        "profile": "prod",
        "identity_source": "sso:Admin",
        "source_identity": params["SourceIdentity"],
        "role_arn": ROLE_ARN,
        "issued_at": str(issued),
        "expires_at": str(issued + 900),
        "status": "active",
        "activated_at": str(issued),
    }
    [line] = decisions(capsys)
    assert line["effect"] == "allow" and line["user"] == "alice" and line["profile"] == "prod"
    assert line["rule"] == "oncall" and line["duration"] == 900 and line["role_arn"] == ROLE_ARN
    assert line["source_identity"] == params["SourceIdentity"] and line["request_id"]
    assert set(line) >= {"timestamp", "reason"}
    assert answer.body["SecretAccessKey"] not in json.dumps(line)
    assert line["session_ref"] == ref(session_id) and session_id not in json.dumps(line)


def test_iam_user_callers_are_named_by_user_name(world):
    answer = world.call("GET", "/", f"arn:aws:iam::{ACCOUNT_ID}:user/engineers/ops-anna", query={"profile": "prod"})
    assert answer.status == 200
    assert world.assumed[0]["SourceIdentity"].startswith("sentinel.ops-anna.")


def test_post_with_json_body_and_base64(world):
    event = world.event("POST", "/", "alice")
    event["body"], event["isBase64Encoded"] = b64(json.dumps({"profile": "dev", "duration": 1200})), True
    answer = world.call(event=event)
    assert answer.status == 200 and world.assumed[0]["DurationSeconds"] == 1200


def test_profiles_lists_the_parameter_root(world):
    world.put_rules("staging", DEV_RULES)
    answer = world.call("GET", "/profiles")
    assert answer.status == 200
    assert answer.body == {
        "root": ROOT,
        "profiles": [{"name": n, "policy_path": f"{ROOT}/{n}"} for n in ("dev", "prod", "staging")],
    }


# -- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize("requested, granted", [(None, 900), (1000, 1000), (1800, 1800), (3600, 1800), (43200, 1800)])
def test_rule_maximum_caps_the_duration(world, requested, granted):
    fields = {} if requested is None else {"duration": requested}
    assert world.vend("prod", **fields).status == 200
    assert world.assumed[-1]["DurationSeconds"] == granted


def test_role_chaining_limit_caps_long_profiles(world):
    assert world.vend("dev", duration=43200).status == 200
    assert world.assumed[-1]["DurationSeconds"] == ROLE_CHAINING_LIMIT


def test_document_maximum_caps_when_the_rule_has_none(world):
    world.put_rules("dev", {**DEV_RULES, "max_duration": 1000})
    assert world.vend("dev", duration=3000).status == 200
    assert world.assumed[-1]["DurationSeconds"] == 1000


@pytest.mark.parametrize("duration", [899, 43201, 0, -5, "900", 1.5, True, None, "abc"])
def test_invalid_durations(world, duration):
    if duration is None:
        answer = world.call("GET", "/", query={"profile": "prod", "duration": "12x"})
    elif isinstance(duration, str):
        answer = world.call("POST", "/", body={"profile": "prod", "duration": duration})
    else:
        answer = world.vend("prod", duration=duration)
    assert_refused(answer, 400, "INVALID_DURATION")
    assert not world.assumed


def test_query_duration_is_a_digit_string(world):
    assert world.call("GET", "/", query={"profile": "prod", "duration": "1000"}).status == 200
    assert world.assumed[-1]["DurationSeconds"] == 1000


# -- rules ----------------------------------------------------------------------------------


def test_first_match_wins_deny_before_allow(world):
    world.put_rules(
        "prod",
        {
            **copy.deepcopy(PROD_RULES),
            "rules": [
                {"name": "nobody-today", "effect": "deny", "users": ["*"]},
                {"name": "alice", "effect": "allow", "users": ["alice"]},
            ],
        },
    )
    assert_refused(world.vend("prod"), 403, "POLICY_DENY")


def test_glob_users_and_interns_denied(world, capsys):
    assert world.vend("prod", "ops-bernd").status == 200
    assert_refused(world.vend("prod", "intern-zoe"), 403, "POLICY_DENY")
    assert_refused(world.vend("prod", "mallory"), 403, "POLICY_DENY")
    lines = decisions(capsys)
    assert [(line["effect"], line["rule"]) for line in lines] == [
        ("allow", "oncall"),
        ("deny", "no-interns"),
        ("deny", None),
    ]
    assert lines[2]["reason"] == "no rule matches"


def test_time_window_in_the_rule_timezone(world):
    world.clock.now = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 18:30 in Berlin
    # Outside oncall hours alice falls through to the approval rule.
    assert_refused(world.vend("prod"), 403, "APPROVAL_REQUIRED")
    world.clock.now = datetime(2026, 11, 25, 16, 59, tzinfo=UTC)  # 17:59 in Berlin
    assert world.vend("prod").status == 200
    world.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # Saturday
    assert_refused(world.vend("prod", "ops-anna"), 403, "POLICY_DENY")


# -- errors ---------------------------------------------------------------------------------


def test_missing_profile(world):
    assert_refused(world.call("GET", "/"), 400, "MISSING_PROFILE")
    assert_refused(world.call("POST", "/", body={}), 400, "MISSING_PROFILE")
    assert_refused(world.call("POST", "/"), 400, "MISSING_PROFILE")


@pytest.mark.parametrize("profile", ["nope", ROLE_ARN, "../prod", "prod/x", "a" * 65, 7, ["prod"]])
def test_invalid_profile_never_reaches_sts(world, profile):
    assert_refused(world.call("POST", "/", body={"profile": profile}), 400, "INVALID_PROFILE")
    assert not world.assumed


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1]",
        '"prod"',
        json.dumps({"profile": "prod", "role_arn": ROLE_ARN}),
        json.dumps({"profile": "prod", "session_id": "x"}),
        json.dumps({"profile": "prod", "approval_id": 5}),
        '{"profile":' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
)
def test_invalid_request_bodies(world, body):
    assert_refused(world.call("POST", "/", body=body), 400, "INVALID_REQUEST")


def test_unknown_query_parameters_are_refused(world):
    assert_refused(world.call("GET", "/", query={"profile": "prod", "role_arn": ROLE_ARN}), 400, "INVALID_REQUEST")


def test_unsigned_requests(world):
    assert_refused(world.call("GET", "/", None, query={"profile": "prod"}), 403, "IAM_AUTH_REQUIRED")
    assert_refused(world.call("GET", "/profiles", None), 403, "IAM_AUTH_REQUIRED")
    assert_refused(world.call("GET", "/", "arn:not-an-arn", query={"profile": "prod"}), 403, "IAM_AUTH_REQUIRED")


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT_ID}:user/" + "a" * 50,
        f"arn:aws:iam::{ACCOUNT_ID}:user/al:ice",
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/b" + "x" * 46,
    ],
)
def test_invalid_identity(world, arn):
    assert_refused(world.call("GET", "/", arn, query={"profile": "prod"}), 400, "INVALID_IDENTITY")
    assert not world.assumed


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT_ID}:root",
        f"arn:aws:iam::{ACCOUNT_ID}:role/x",
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/alice",
    ],
)
def test_principals_that_are_no_identity_source(world, arn):
    assert_refused(world.call("GET", "/", arn, query={"profile": "prod"}), 403, "UNTRUSTED_IDENTITY")
    assert not world.assumed


def test_longest_representable_user(world):
    user = "u" * 45  # sentinel. + 45 + . + 8 hex = 63 characters
    world.put_rules("dev", DEV_RULES)
    assert world.vend("dev", user).status == 200
    assert len(world.assumed[0]["SourceIdentity"]) == 63


def test_other_accounts_are_refused(world):
    answer = world.call("GET", "/", "arn:aws:iam::210987654321:user/alice", query={"profile": "prod"})
    assert_refused(answer, 403, "UNTRUSTED_IDENTITY")


@pytest.mark.parametrize("account", [None, "", 123456789012])
@pytest.mark.parametrize("user", ["alice", "arn:aws:sts::999999999999:assumed-role/R/alice"])
def test_a_request_without_the_api_account_is_refused(world, account, user):
    event = world.event("POST", "/", user, body={"profile": "dev"})
    if account is None:
        del event["requestContext"]["accountId"]
    else:
        event["requestContext"]["accountId"] = account
    assert_refused(world.call(event=event), 403, "IAM_AUTH_REQUIRED")
    assert not world.assumed


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/nope"),
        ("DELETE", "/"),
        ("PUT", "/profiles"),
        ("GET", "/approvals"),
        ("POST", "/approvals/x/y/approve"),
    ],
)
def test_not_found(world, method, path):
    assert_refused(world.call(method, path), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "document",
    [
        "{",
        "version: [",
        json.dumps({"version": 2, "rules": []}),
        json.dumps({"version": 1, "role_arn": "arn:aws:iam::123:role/x", "rules": []}),
        json.dumps(
            {"version": 1, "role_arn": ROLE_ARN, "rules": [{"name": "x", "effect": "require_approval", "users": ["*"]}]}
        ),
    ],
)
def test_unreadable_rules_are_a_config_error(world, document, capsys):
    world.put_rules("prod", document)
    answer = world.vend("prod")
    assert_refused(answer, 500, "CONFIG_ERROR")
    assert ROOT not in answer.body["message"]
    assert decisions(capsys)[0]["effect"] == "error"


def test_yaml_rules_documents(world):
    world.put_rules(
        "prod", f"version: 1\nrole_arn: {ROLE_ARN}\nrules:\n  - name: all\n    effect: allow\n    users: ['*']\n"
    )
    assert world.vend("prod").status == 200


def test_missing_settings_are_a_config_error(world, monkeypatch):
    monkeypatch.delenv("TVM_SESSION_TABLE")
    tvm.reset_state(session=world.session)
    assert_refused(world.vend("prod"), 500, "CONFIG_ERROR")


@pytest.mark.parametrize(
    "name, value",
    [
        ("TVM_DEFAULT_DURATION_SECONDS", "60"),
        ("TVM_APPROVAL_TTL_SECONDS", "x"),
        ("TVM_RULES_CACHE_SECONDS", "-1"),
        ("TVM_APPROVAL_TABLE", " "),
        ("TVM_DEFAULT_DURATION_SECONDS", "9" * 5000),
        ("TVM_APPROVAL_TTL_SECONDS", "²"),
        ("TVM_RULES_CACHE_SECONDS", "³"),
    ],
)
def test_invalid_settings_are_a_config_error(world, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    tvm.reset_state(session=world.session)
    assert_refused(world.vend("prod"), 500, "CONFIG_ERROR")


def test_rules_are_cached_per_container(world, monkeypatch):
    monkeypatch.setenv("TVM_RULES_CACHE_SECONDS", "30")
    now = [0.0]
    tvm.reset_state(session=world.session, clock=world.clock, new_id=world.new_id, monotonic=lambda: now[0])
    assert world.vend("prod").status == 200
    world.put_rules("prod", {**PROD_RULES, "rules": [{"name": "closed", "effect": "deny", "users": ["*"]}]})
    now[0] = 29
    assert world.vend("prod").status == 200
    now[0] = 30
    assert_refused(world.vend("prod"), 403, "POLICY_DENY")


def test_one_decision_line_per_request_with_every_field(world, capsys):
    world.vend("prod")
    world.vend("prod", "mallory")
    world.call("GET", "/nope")
    world.call("GET", "/profiles")
    lines = decisions(capsys)
    assert [line["effect"] for line in lines] == ["allow", "deny", "deny", "allow"]
    fields = {
        "timestamp",
        "user",
        "profile",
        "effect",
        "rule",
        "reason",
        "request_id",
        "source_identity",
        "role_arn",
        "duration",
    }
    assert all(fields <= set(line) for line in lines)
    assert [line["action"] for line in lines] == ["vend", "vend", "not_found", "profiles"]


def test_ssm_failure_is_a_config_error(world):
    world.tvm.profiles.client.meta.events.register("before-call.ssm.GetParameter", _raise("AccessDeniedException"))
    assert_refused(world.vend("prod"), 500, "CONFIG_ERROR")


def test_sts_failure_is_a_credential_error_and_closes_the_session(world):
    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", _raise("AccessDenied"))
    answer = world.vend("prod")
    assert_refused(answer, 500, "CREDENTIAL_ERROR")
    assert "AccessDenied" not in answer.body["message"]
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert item["status"]["S"] == "revoked" and item["revoked_by"]["S"] == "tvm"


def test_a_new_session_is_active_once_credentials_are_issued(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    item = session_item(world, session_id)
    assert item["status"] == "active" and "activated_at" in item


def test_failed_assume_role_never_leaves_an_active_session(world):
    # STS times out and the best-effort close is throttled: the session stays pending, which
    # the authorizer and refresh both refuse.
    from lambdas.authorizer import handler as authorizer

    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", _raise("Throttling"))
    world.tvm.sessions.client.meta.events.register(
        "before-call.dynamodb.UpdateItem", _raise("ProvisionedThroughputExceededException")
    )
    assert_refused(world.vend("prod"), 500, "CREDENTIAL_ERROR")
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert item["status"]["S"] == "pending"
    authorizer.reset_state(clock=lambda: world.clock.now.timestamp(), session=world.session)
    event = {"headers": {"x-sentinel-session-id": item["session_id"]["S"]}}
    assert authorizer.handler(event, None) == {"isAuthorized": False}


def test_activation_failure_vends_nothing(world):
    world.tvm.sessions.client.meta.events.register(
        "before-call.dynamodb.UpdateItem", _raise("ProvisionedThroughputExceededException")
    )
    assert_refused(world.vend("prod"), 500, "CREDENTIAL_ERROR")
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert item["status"]["S"] == "pending"


def test_session_write_failure_vends_nothing(world):
    world.tvm.sessions.client.meta.events.register(
        "before-call.dynamodb.PutItem", _raise("ProvisionedThroughputExceededException")
    )
    assert_refused(world.vend("prod"), 500, "CREDENTIAL_ERROR")
    assert not world.assumed


def test_missing_session_table_vends_nothing(world):
    world.dynamodb.delete_table(TableName=SESSIONS)
    assert_refused(world.vend("prod"), 500, "CREDENTIAL_ERROR")
    assert not world.assumed


def test_unexpected_failures_answer_without_internals(world, monkeypatch):
    monkeypatch.setattr(tvm, "current_tvm", lambda: 1 / 0)
    answer = world.vend("prod")
    assert_refused(answer, 500, "CREDENTIAL_ERROR")
    assert "ZeroDivision" not in answer.body["message"]


def _raise(code: str):
    def hook(**_):
        raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "Injected")

    return hook


# -- sessions: refresh and revocation ---------------------------------------------------------


def test_refresh_keeps_the_source_identity_and_extends(world):
    first = world.vend("prod")
    session_id = first.headers["X-Sentinel-Session-ID"]
    world.clock.advance(minutes=10)
    again = world.call("POST", "/", body={"session_id": session_id, "duration": 1200})
    assert again.status == 200 and again.headers["X-Sentinel-Session-ID"] == session_id
    assert world.assumed[1]["SourceIdentity"] == world.assumed[0]["SourceIdentity"]
    assert world.assumed[1]["Tags"] == [{"Key": "SentinelSessionRef", "Value": ref(session_id)}]
    assert int(session_item(world, session_id)["expires_at"]) == int(world.clock.now.timestamp()) + 1200


def test_decision_lines_never_hold_the_whole_session_id(world, capsys):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    world.call("POST", "/", body={"session_id": session_id})
    world.call("POST", "/", "ops-anna", body={"session_id": session_id})  # someone else's: refused
    lines = decisions(capsys)
    assert len(lines) == 3 and all(line["session_ref"] == ref(session_id) for line in lines)
    assert session_id not in json.dumps(lines) and all("session_id" not in line for line in lines)


def test_refresh_never_shortens_the_session(world):
    session_id = world.vend("prod", duration=1800).headers["X-Sentinel-Session-ID"]
    expires = int(session_item(world, session_id)["expires_at"])
    again = world.call("POST", "/", body={"session_id": session_id})  # default 900 s, inside the 1800 s
    assert again.status == 200 and world.assumed[-1]["DurationSeconds"] == 900
    assert int(session_item(world, session_id)["expires_at"]) == expires


def test_failed_refresh_leaves_the_session_unchanged(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    before = session_item(world, session_id)
    world.clock.advance(minutes=10)
    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", _raise("Throttling"))
    assert_refused(world.call("POST", "/", body={"session_id": session_id, "duration": 1800}), 500, "CREDENTIAL_ERROR")
    after = session_item(world, session_id)
    assert after["expires_at"] == before["expires_at"] and "refreshed_at" not in after
    assert after["status"] == "active"


def test_refresh_revoked_while_assuming_issues_nothing(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]

    def revoke_now(**_):
        SessionStore(world.dynamodb, SESSIONS).revoke(session_key(session_id), "bob", "incident", 1)

    world.tvm.sts.meta.events.register("before-call.sts.AssumeRole", revoke_now)
    assert_refused(world.call("POST", "/", body={"session_id": session_id}), 403, "SESSION_REVOKED")


def test_refresh_is_refused_after_revocation(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    SessionStore(world.dynamodb, SESSIONS).revoke(session_key(session_id), "bob", "left the team", 1)
    assert_refused(world.call("POST", "/", body={"session_id": session_id}), 403, "SESSION_REVOKED")
    assert len(world.assumed) == 1


def test_refresh_of_someone_elses_or_unknown_or_expired_session(world):
    session_id = world.vend("prod").headers["X-Sentinel-Session-ID"]
    assert_refused(world.call("POST", "/", "ops-anna", body={"session_id": session_id}), 400, "INVALID_REQUEST")
    assert_refused(world.call("POST", "/", body={"session_id": "0" * 32}), 400, "INVALID_REQUEST")
    assert_refused(world.call("POST", "/", body={"session_id": session_id, "profile": "dev"}), 400, "INVALID_REQUEST")
    world.clock.advance(seconds=901)
    assert_refused(world.call("POST", "/", body={"session_id": session_id}), 400, "INVALID_REQUEST")


def test_refresh_still_checks_the_rules(world):
    session_id = world.vend("prod", "ops-anna").headers["X-Sentinel-Session-ID"]
    world.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # Saturday: no oncall rule
    # Not expired yet? Move expiry forward by refreshing on a weekday first is not needed: extend the item.
    world.dynamodb.update_item(
        TableName=SESSIONS,
        Key={"session_id": {"S": session_key(session_id)}},
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": {"N": str(int(world.clock.now.timestamp()) + 60)}},
    )
    assert_refused(world.call("POST", "/", "ops-anna", body={"session_id": session_id}), 403, "POLICY_DENY")


# -- approvals ------------------------------------------------------------------------------


def approval_request(world, user="carol", profile="prod"):
    return world.call("POST", "/approvals", user, body={"profile": profile})


def test_approval_flow(world, capsys):
    assert_refused(world.vend("prod", "carol"), 403, "APPROVAL_REQUIRED")
    request = approval_request(world)
    assert request.status == 201 and request.body["status"] == "pending"
    approval_id = request.body["approval_id"]
    assert_refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    decided = world.call("POST", f"/approvals/{approval_id}/approve", "bob")
    assert decided.status == 200 and decided.body["status"] == "approved"
    answer = world.vend("prod", "carol", approval_id=approval_id)
    assert answer.status == 200
    assert world.assumed[-1]["SourceIdentity"].startswith("sentinel.carol.")
    item = world.dynamodb.get_item(TableName=APPROVALS, Key={"approval_id": {"S": approval_id}})["Item"]
    assert item["decided_by"]["S"] == "bob"


def test_self_approval_is_refused(world):
    # alice is both a requester (outside oncall hours) and, here, an approver of her own rule.
    rules = copy.deepcopy(PROD_RULES)
    rules["rules"][2]["approvers"] = ["alice", "bob"]
    world.put_rules("prod", rules)
    world.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    approval_id = approval_request(world, "alice").body["approval_id"]
    assert_refused(world.call("POST", f"/approvals/{approval_id}/approve", "alice"), 403, "POLICY_DENY")
    assert_refused(world.vend("prod", "alice", approval_id=approval_id), 403, "APPROVAL_REQUIRED")


def test_the_store_refuses_self_approval_too(world):
    from lambdas.common.sessions import ConditionFailed
    from lambdas.tvm.approvals import ApprovalStore

    store = ApprovalStore(world.dynamodb, APPROVALS)
    store.create("a" * 32, "carol", "sso:Admin", "prod", "break-glass", ("bob",), 100, 3600)
    with pytest.raises(ConditionFailed):
        store.decide("a" * 32, "carol", "approved", 200, 3600)


def test_only_the_rules_approvers_decide(world):
    approval_id = approval_request(world).body["approval_id"]
    assert_refused(world.call("POST", f"/approvals/{approval_id}/approve", "ops-anna"), 403, "POLICY_DENY")
    assert world.call("POST", f"/approvals/{approval_id}/deny", "dave-x").body["status"] == "denied"
    assert_refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    # A decided request cannot be decided again.
    assert_refused(world.call("POST", f"/approvals/{approval_id}/approve", "bob"), 400, "INVALID_REQUEST")


def test_approval_is_for_one_user_and_profile_and_expires(world):
    approval_id = approval_request(world).body["approval_id"]
    world.call("POST", f"/approvals/{approval_id}/approve", "bob")
    world.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    # alice (approval rule on Saturdays) cannot use carol's approval.
    assert_refused(world.vend("prod", "alice", approval_id=approval_id), 403, "APPROVAL_REQUIRED")
    world.clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    world.clock.advance(seconds=3601)
    assert_refused(world.vend("prod", "carol", approval_id=approval_id), 403, "APPROVAL_REQUIRED")


def test_approval_requests_need_a_require_approval_rule(world):
    assert_refused(approval_request(world, "alice"), 400, "INVALID_REQUEST")  # oncall allows her
    assert_refused(approval_request(world, "mallory"), 403, "POLICY_DENY")
    assert_refused(approval_request(world, "carol", "nope"), 400, "INVALID_PROFILE")
    assert_refused(world.call("POST", "/approvals/" + "f" * 32 + "/approve", "bob"), 400, "INVALID_REQUEST")
    assert_refused(world.call("POST", "/approvals/zz/approve", "bob"), 400, "INVALID_REQUEST")


def test_a_session_whose_activation_failed_is_closed_when_the_table_allows(world):
    failures = iter([True])

    def fail_once(**_):
        if next(failures, False):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "UpdateItem"
            )

    world.tvm.sessions.client.meta.events.register("before-call.dynamodb.UpdateItem", fail_once)
    assert_refused(world.vend("prod"), 500, "CREDENTIAL_ERROR")
    [item] = world.dynamodb.scan(TableName=SESSIONS)["Items"]
    assert (item["status"]["S"], item["revoked_by"]["S"]) == ("revoked", "tvm")
