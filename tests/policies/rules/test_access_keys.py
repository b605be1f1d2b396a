"""Tests of policies/rules/access_keys.py, through policies.testing (the in-process harness)."""

from policies.rules.access_keys import USER_ACCESS_KEY_PRESENT
from policies.testing import assert_passes, assert_violates, resource, run_policy


def test_access_key_fires_and_exemption_passes():
    key = resource("aws:iam/accessKey:AccessKey", "reader-key", {"user": "external-reader"})

    violation = assert_violates(run_policy(USER_ACCESS_KEY_PRESENT, key), "iam-user-access-key-present")
    assert 'user "external-reader"' in violation.message and "OIDC" in violation.message
    config = {"exemptions": [{"name": "external-reader", "reason": "vendor cannot federate; rotated quarterly"}]}
    assert_passes(run_policy(USER_ACCESS_KEY_PRESENT, key, config))


def test_a_user_without_key_passes():
    assert_passes(run_policy(USER_ACCESS_KEY_PRESENT, resource("aws:iam/user:User", "external-reader", {})))
