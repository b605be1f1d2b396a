"""Access rules: validation, first match, globs, time windows with a fixed clock, durations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lambdas.tvm.identity import IdentityError, source_identity
from lambdas.tvm.rules import RulesDocumentError, decide, parse_rules_document, resolve_duration, validate_rules

ROLE = "arn:aws:iam::123456789012:role/protected"


def doc(*rules, **extra):
    return validate_rules({"version": 1, "role_arn": ROLE, "rules": list(rules), **extra})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # 23 Nov 2026 is a Monday


def test_first_match_wins_and_no_match_denies():
    document = doc(
        {"name": "a", "effect": "allow", "users": ["al*"]}, {"name": "b", "effect": "deny", "users": ["alice"]}
    )
    assert decide(document, "alice", at(23, 9)).rule == "a"
    missing = decide(document, "bob", at(23, 9))
    assert (missing.effect, missing.rule) == ("deny", None)


def test_globs_ignore_case_and_match_the_whole_name():
    # Identities are case-folded (IAM and Identity Center names ignore case): a deny rule
    # written as "Intern-*" must still catch "intern-zoe", and the other way round.
    document = doc(
        {"name": "no-interns", "effect": "deny", "users": ["Intern-*"]},
        {"name": "ops", "effect": "allow", "users": ["ops-*", "b?b"]},
    )
    assert decide(document, "ops-1", at(23, 9)).effect == "allow"
    assert decide(document, "OPS-1", at(23, 9)).effect == "allow"
    assert decide(document, "bob", at(23, 9)).effect == "allow"
    assert decide(document, "intern-zoe", at(23, 9)).rule == "no-interns"
    for user in ("xops-1", "boob"):
        assert decide(document, user, at(23, 9)).effect == "deny"


def test_rules_may_name_the_identity_source():
    document = doc({"name": "sso-engineers", "effect": "allow", "users": ["*"], "sources": ["sso:Engineers"]})
    assert decide(document, "alice", at(23, 9), "sso:engineers").effect == "allow"
    assert decide(document, "alice", at(23, 9), "iam-user").effect == "deny"
    assert decide(document, "alice", at(23, 9), "sso:EngineersAdmin").effect == "deny"
    with pytest.raises(RulesDocumentError):
        doc({"name": "x", "effect": "allow", "users": ["*"], "sources": ["federated"]})


@pytest.mark.parametrize("hours", ["08:00-18:00\n", "08:00-18:00 ", "０8:00-18:00", "08:00-18:0٠"])
def test_hours_are_matched_whole_in_ascii_digits(hours):
    with pytest.raises(RulesDocumentError):
        doc({"name": "office", "effect": "allow", "users": ["*"], "time": {"hours": hours}})


def test_time_window_edges_in_the_zone():
    document = doc(
        {
            "name": "office",
            "effect": "allow",
            "users": ["*"],
            "time": {"days": ["mon"], "hours": "08:00-18:00", "timezone": "America/New_York"},
        }
    )
    assert decide(document, "x", at(23, 13)).effect == "allow"  # 08:00 in New York
    assert decide(document, "x", at(23, 12, 59)).effect == "deny"  # 07:59
    assert decide(document, "x", at(23, 22, 59)).effect == "allow"  # 17:59
    assert decide(document, "x", at(23, 23)).effect == "deny"  # 18:00, end excluded
    assert decide(document, "x", at(24, 13)).effect == "deny"  # Tuesday


def test_overnight_window():
    document = doc({"name": "night", "effect": "allow", "users": ["*"], "time": {"hours": "22:00-06:00"}})
    assert [decide(document, "x", at(23, h)).effect for h in (21, 22, 3, 5, 6)] == [
        "deny",
        "allow",
        "allow",
        "allow",
        "deny",
    ]


@pytest.mark.parametrize("requested, cap, expected", [(None, 3600, 900), (1200, 3600, 1200), (7200, 3600, 3600)])
def test_resolve_duration(requested, cap, expected):
    assert resolve_duration(requested, 900, cap) == expected


def test_rule_cap_never_exceeds_document_cap():
    document = doc({"name": "a", "effect": "allow", "users": ["*"], "max_duration": 7200}, max_duration=1800)
    assert decide(document, "x", at(23, 9)).max_duration == 1800


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 1, "role_arn": ROLE, "rules": [{"name": "a", "effect": "permit", "users": ["*"]}]},
        {"version": 1, "role_arn": ROLE, "rules": [{"name": "a", "effect": "allow", "users": []}]},
        {"version": 1, "role_arn": ROLE, "rules": [{"name": "a", "effect": "allow", "users": ["*"], "extra": 1}]},
        {
            "version": 1,
            "role_arn": ROLE,
            "rules": [{"name": "a", "effect": "allow", "users": ["*"], "approvers": ["b"]}],
        },
        {
            "version": 1,
            "role_arn": ROLE,
            "rules": [
                {"name": "a", "effect": "allow", "users": ["*"]},
                {"name": "a", "effect": "deny", "users": ["*"]},
            ],
        },
        {
            "version": 1,
            "role_arn": ROLE,
            "rules": [{"name": "a", "effect": "allow", "users": ["*"], "time": {"hours": "8-18"}}],
        },
        {
            "version": 1,
            "role_arn": ROLE,
            "rules": [{"name": "a", "effect": "allow", "users": ["*"], "time": {"timezone": "Mars/Base"}}],
        },
        {
            "version": 1,
            "role_arn": ROLE,
            "rules": [{"name": "a", "effect": "allow", "users": ["*"], "time": {"days": ["someday"]}}],
        },
        {"version": 1, "role_arn": ROLE, "max_duration": 50000, "rules": []},
        {"version": 1, "role_arn": "arn:aws:iam::123456789012:user/x", "rules": []},
        {"version": 1, "rules": []},
    ],
)
def test_invalid_documents(bad):
    with pytest.raises(RulesDocumentError):
        validate_rules(bad)


def test_parse_json_and_yaml_and_garbage():
    assert parse_rules_document(f'{{"version": 1, "role_arn": "{ROLE}", "rules": []}}').role_arn == ROLE
    assert parse_rules_document(f"version: 1\nrole_arn: {ROLE}\nrules: []\n").max_duration == 3600
    for text in ("", "[", "- 1", "null"):
        with pytest.raises(RulesDocumentError):
            parse_rules_document(text)


def test_source_identity_shape_and_limits():
    assert source_identity("sentinel", "alice", "01234567") == "sentinel.alice.01234567"
    assert len(source_identity("sentinel", "a" * 46, "0" * 8)) == 64
    with pytest.raises(IdentityError):
        source_identity("sentinel", "a" * 47, "0" * 8)
    with pytest.raises(IdentityError):
        source_identity("sentinel", "a:b", "0" * 8)
    with pytest.raises(IdentityError):
        source_identity("sentinel", "alice", "0" * 7 + "\n")
