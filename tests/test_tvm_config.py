"""The tvm settings section: documented defaults, bounds, and rules checked at preview time."""

import json

import pytest

from components.settings import StackConfigError, parse_stack_settings

REGION = {"aws:region": "eu-west-1"}
PROFILE = {
    "name": "ops",
    "rules": {"rules": [{"name": "all", "effect": "allow", "users": ["*"]}]},
    "permissions": {"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"]}]},
}


def tvm(section):
    return parse_stack_settings("dev", {**REGION, "iam-platform:tvm": json.dumps(section)}, environ={}).tvm


def test_defaults():
    settings = parse_stack_settings("staging", REGION, environ={}).tvm
    assert not settings.enabled and settings.profiles == []
    assert (settings.default_duration_seconds, settings.source_identity_prefix, settings.parameter_root) == (
        900,
        "sentinel",
        "/sentinel/policies",
    )
    assert (settings.approval_ttl_seconds, settings.rules_cache_seconds, settings.reserved_concurrency) == (
        3600,
        30,
        None,
    )
    assert (settings.throttle.rate_limit, settings.throttle.burst_limit) == (10, 20)
    assert (
        settings.alarms.error_rate_percent,
        settings.alarms.p99_duration_ms,
        settings.alarms.concurrency_percent,
    ) == (1, 500, 80)


def test_a_profile_gets_its_role_and_maximum_in_the_document():
    [profile] = tvm({"enabled": True, "profiles": [{**PROFILE, "maxDurationSeconds": 1800}]}).profiles
    document = profile.rules_document("arn:aws:iam::123456789012:role/x")
    assert document == {
        "version": 1,
        "role_arn": "arn:aws:iam::123456789012:role/x",
        "max_duration": 1800,
        "rules": [{"name": "all", "effect": "allow", "users": ["*"]}],
    }


def test_rules_file_is_read_from_the_project_folder():
    [profile] = tvm(
        {"enabled": True, "profiles": [{**PROFILE, "rules": None, "rulesFile": "tvm-rules/dev-deploy.yaml"}]}
    ).profiles
    assert [r["name"] for r in profile.rules_document()["rules"]] == ["no-contractors", "office-hours", "out-of-hours"]


@pytest.mark.parametrize(
    "key, value",
    [
        ("defaultDurationSeconds", 899),
        ("defaultDurationSeconds", 43201),
        ("approvalTtlSeconds", 10),
        ("rulesCacheSeconds", -1),
        ("reservedConcurrency", 0),
        ("sourceIdentityPrefix", "has.dot"),
        ("sourceIdentityPrefix", ""),
        ("parameterRoot", "/trailing/"),
        ("alarms", {"errorRatePercent": 0}),
    ],
)
def test_bounds(key, value):
    with pytest.raises(StackConfigError) as caught:
        tvm({key: value})
    assert any(key in problem for problem in caught.value.problems), caught.value.problems


def test_bad_rule_names_the_profile_and_the_rule():
    bad = {**PROFILE, "rules": {"rules": [{"name": "x", "effect": "require_approval", "users": ["*"]}]}}
    with pytest.raises(StackConfigError) as caught:
        tvm({"enabled": True, "profiles": [bad]})
    [problem] = caught.value.problems
    assert problem.startswith("iam-platform:tvm.profiles[0]") and "profile ops" in problem and "approvers" in problem
