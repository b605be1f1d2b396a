"""Operator-put secrets (public JWT keys, Slack credentials): each has its own
customer-managed key, and only its reader may decrypt with it, through Secrets Manager."""

import pytest

from tests.support.harness import one, policy_of, run_stack

SECRET, KEY, POLICY = "aws:secretsmanager/secret:Secret", "aws:kms/key:Key", "aws:iam/rolePolicy:RolePolicy"
READERS = {
    "jwks-keys": "jwks-fn-policy",
    "execution-bot-token": "execution-fn-policy",
    "verification-signing-secret": "verification-fn-policy",
}


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


@pytest.mark.parametrize("secret_name", sorted(READERS))
def test_secret_is_encrypted_with_its_own_rotating_key(dev, secret_name):
    secret, key = one(dev, SECRET, secret_name), one(dev, KEY, f"{secret_name}-key")
    assert secret["inputs"]["kmsKeyId"] == key["outputs"]["arn"]
    assert key["inputs"]["enableKeyRotation"] is True
    [admin] = policy_of(key, "policy")["Statement"]
    assert admin["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root"]}


@pytest.mark.parametrize("secret_name", sorted(READERS))
def test_only_the_reader_decrypts_and_only_through_secrets_manager(dev, secret_name):
    key_arn = one(dev, KEY, f"{secret_name}-key")["outputs"]["arn"]
    for policy in dev.of_type(POLICY):
        grants = [
            s
            for s in policy_of(policy, "policy")["Statement"]
            if "kms:Decrypt" in s["Action"] and key_arn in s["Resource"]
        ]
        if policy["name"] != READERS[secret_name]:
            assert grants == [], policy["name"]
            continue
        assert [g["Condition"] for g in grants] == [
            {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
        ]


def test_prod_protects_the_keys_of_its_secrets():
    prod = run_stack("prod")
    for secret_name in ("execution-bot-token", "verification-signing-secret"):
        assert one(prod, KEY, f"{secret_name}-key")["protect"] is True
        assert one(prod, KEY, f"{secret_name}-key")["inputs"]["deletionWindowInDays"] == 30
