"""Tests of policies/rules/secrets_kms.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.secrets_kms import (
    KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL,
    KMS_KEY_ROTATION_ENABLED,
    SECRET_ENCRYPTED_WITH_CMK,
    SECRET_ROTATION_ENABLED,
)
from policies.testing import assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import KEY_ARN

SECRET, ROTATION = "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretRotation:SecretRotation"


SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"


def secret(name="db-credentials", **props):
    return resource(SECRET, name, props, outputs={**props, "arn": SECRET_ARN, "id": SECRET_ARN})


def rotation(rules, secret_id=SECRET_ARN, linked=None):
    return resource(
        ROTATION,
        "db-credentials-rotation",
        {"secretId": secret_id, "rotationRules": rules, "rotationLambdaArn": "arn:aws:lambda:eu-west-1:1:function:r"},
        property_dependencies={"secretId": [linked]} if linked else None,
    )


def test_secret_without_rotation_fires():
    s = secret()
    violation = assert_violates(run_policy(SECRET_ROTATION_ENABLED, [s]), "secret-rotation-enabled", urn=s.urn)
    assert "has no rotation" in violation.message and "automatically_after_days <= 30" in violation.message


@pytest.mark.parametrize(
    "rules",
    [
        {"automaticallyAfterDays": 30},
        {"automaticallyAfterDays": 7},
        {"scheduleExpression": "rate(10 days)"},
        {"scheduleExpression": "rate(4 hours)"},
        {"scheduleExpression": "cron(0 16 ? * SUN *)"},
        {"scheduleExpression": "cron(0 3 1,15 * ? *)"},
    ],
)
def test_rotation_within_the_limit_passes(rules):
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), rotation(rules)]))


@pytest.mark.parametrize(
    "rules, shown",
    [
        ({"automaticallyAfterDays": 90}, "every 90 days"),
        ({"scheduleExpression": "rate(45 days)"}, "every 45 days"),
        ({"scheduleExpression": "cron(0 3 1 * ? *)"}, "every 31 days"),
        ({"scheduleExpression": "cron(0 3 1 1,7 ? *)"}, "cannot determine"),
    ],
)
def test_rotation_beyond_the_limit_fires(rules, shown):
    r = rotation(rules)
    violation = assert_violates(
        run_policy(SECRET_ROTATION_ENABLED, [secret(), r]), SECRET_ROTATION_ENABLED.name, urn=r.urn
    )
    assert shown in violation.message


def test_rotation_linked_by_property_dependency_and_configured_limit():
    s = secret()
    r = rotation({"automaticallyAfterDays": 60}, secret_id="computed-elsewhere", linked=s)
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [s, r], {"maxRotationDays": 90}))
    assert_violates(run_policy(SECRET_ROTATION_ENABLED, [s, r]), SECRET_ROTATION_ENABLED.name, contains="every 60 days")


def test_exempt_tag_needs_a_reason():
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(tags={"iam-platform:rotation-exempt": "public keys"})]))
    assert_violates(
        run_policy(SECRET_ROTATION_ENABLED, [secret(tags={"iam-platform:rotation-exempt": " "})]),
        SECRET_ROTATION_ENABLED.name,
        contains="without a reason",
    )


def test_config_exemption_and_service_owned_secrets_pass():
    config = {"exemptions": [{"name": "vendor-token", "reason": "the vendor rotates it; we import it monthly"}]}
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret("vendor-token")], config))
    owned = secret(tags={"aws:secretsmanager:owningService": "rds"})
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [owned]))


@pytest.mark.parametrize("props", [{}, {"kmsKeyId": "alias/aws/secretsmanager"}])
def test_secret_with_the_aws_managed_key_fires(props):
    violation = assert_violates(run_policy(SECRET_ENCRYPTED_WITH_CMK, secret(**props)), "secret-encrypted-with-cmk")
    assert violation.level == "advisory"


def test_secret_with_a_customer_key_passes():
    assert_passes(run_policy(SECRET_ENCRYPTED_WITH_CMK, secret(kmsKeyId=KEY_ARN)))


KEY = "aws:kms/key:Key"


@pytest.mark.parametrize(
    "props",
    [{}, {"enableKeyRotation": False}, {"keySpec": "SYMMETRIC_DEFAULT"}, {"origin": "AWS_KMS", "customKeyStoreId": ""}],
)
def test_symmetric_key_without_rotation_fires(props):
    assert_violates(
        run_policy(KMS_KEY_ROTATION_ENABLED, resource(KEY, "k", props)),
        "kms-key-rotation-enabled",
        contains="enable_key_rotation=True",
    )


@pytest.mark.parametrize(
    "props",
    [
        {"enableKeyRotation": True},
        {"keySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
        {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"},
        {"keySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"},
        # imported material and custom key stores: AWS cannot rotate them
        {"origin": "EXTERNAL"},
        {"customKeyStoreId": "cks-1234567890abcdef0"},
        {"xksKeyId": "ext-key-1", "customKeyStoreId": "cks-2"},
        {"origin": "AWS_CLOUDHSM"},
    ],
)
def test_rotating_or_asymmetric_keys_pass(props):
    assert_passes(run_policy(KMS_KEY_ROTATION_ENABLED, resource(KEY, "k", props)))


def key_policy(statement, type_=KEY):
    return resource(
        type_,
        "k",
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]}), "enableKeyRotation": True},
    )


@pytest.mark.parametrize("type_", [KEY, "aws:kms/keyPolicy:KeyPolicy"])
def test_public_key_policy_fires(type_):
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    assert_violates(
        run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(statement, type_)),
        "kms-key-policy-no-public-principal",
        contains='principal "*"',
    )


def test_public_principal_with_caller_account_and_named_principals_pass():
    conditioned = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["kms:Decrypt"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": "123456789012",
                "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
            }
        },
    }
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert_passes(run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(conditioned)))
    assert_passes(run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(root)))


@pytest.mark.parametrize(
    "expression, shown",
    [
        ("cron(0 0 ? * MON#1 *)", "every 35 days"),
        ("cron(0 0 ? * 2#3 *)", "every 35 days"),
        ("cron(0 0 ? * 1L *)", "every 35 days"),
        ("cron(0 0 ? * FRIL *)", "every 35 days"),
        ("cron(0 0 25/10 * ? *)", "every 31 days"),
        ("cron(0 0 */31 * ? *)", "every 31 days"),
    ],
)
def test_monthly_cron_schedules_are_not_taken_for_weekly_ones(expression, shown):
    r = rotation({"scheduleExpression": expression})
    violation = assert_violates(
        run_policy(SECRET_ROTATION_ENABLED, [secret(), r]), SECRET_ROTATION_ENABLED.name, urn=r.urn
    )
    assert shown in violation.message
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), r], {"maxRotationDays": 35}))


@pytest.mark.parametrize("expression", ["cron(0 0 1/10 * ? *)", "cron(0 0 ? * MON *)", "cron(0 0 */7 * ? *)"])
def test_stepped_and_weekly_cron_schedules_still_pass(expression):
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), rotation({"scheduleExpression": expression})]))
