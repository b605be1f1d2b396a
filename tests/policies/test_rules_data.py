"""Secrets, KMS keys, RDS, DynamoDB and log groups — through policies.testing."""

import json

import pytest

from policies.rules.data_stores import DYNAMODB_TABLE_PROTECTED, RDS_CLUSTER_ENCRYPTED_PRIVATE
from policies.rules.observability import LOG_GROUP_RETENTION_SET
from policies.rules.secrets_kms import (
    KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL,
    KMS_KEY_ROTATION_ENABLED,
    SECRET_ENCRYPTED_WITH_CMK,
    SECRET_ROTATION_ENABLED,
)
from policies.testing import UNKNOWN, assert_passes, assert_violates, remediate, resource, run_policy

SECRET, ROTATION = "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def secret(name="db-credentials", **props):
    return resource(SECRET, name, props, outputs={**props, "arn": SECRET_ARN, "id": SECRET_ARN})


def rotation(rules, secret_id=SECRET_ARN, linked=None):
    return resource(ROTATION, "db-credentials-rotation", {"secretId": secret_id, "rotationRules": rules,
                                                          "rotationLambdaArn": "arn:aws:lambda:eu-west-1:1:function:r"},
                    property_dependencies={"secretId": [linked]} if linked else None)


# --- secret-rotation-enabled -------------------------------------------------------------

def test_secret_without_rotation_fires():
    s = secret()
    violation = assert_violates(run_policy(SECRET_ROTATION_ENABLED, [s]), "secret-rotation-enabled", urn=s.urn)
    assert "has no rotation" in violation.message and "automatically_after_days <= 30" in violation.message


@pytest.mark.parametrize("rules", [{"automaticallyAfterDays": 30}, {"automaticallyAfterDays": 7},
                                   {"scheduleExpression": "rate(10 days)"}, {"scheduleExpression": "rate(4 hours)"},
                                   {"scheduleExpression": "cron(0 16 ? * SUN *)"},
                                   {"scheduleExpression": "cron(0 3 1,15 * ? *)"}])
def test_rotation_within_the_limit_passes(rules):
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), rotation(rules)]))


@pytest.mark.parametrize("rules, shown", [({"automaticallyAfterDays": 90}, "every 90 days"),
                                          ({"scheduleExpression": "rate(45 days)"}, "every 45 days"),
                                          ({"scheduleExpression": "cron(0 3 1 * ? *)"}, "every 31 days"),
                                          ({"scheduleExpression": "cron(0 3 1 1,7 ? *)"}, "cannot determine")])
def test_rotation_beyond_the_limit_fires(rules, shown):
    r = rotation(rules)
    violation = assert_violates(run_policy(SECRET_ROTATION_ENABLED, [secret(), r]), SECRET_ROTATION_ENABLED.name, urn=r.urn)
    assert shown in violation.message


def test_rotation_linked_by_property_dependency_and_configured_limit():
    s = secret()
    r = rotation({"automaticallyAfterDays": 60}, secret_id="computed-elsewhere", linked=s)
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [s, r], {"maxRotationDays": 90}))
    assert_violates(run_policy(SECRET_ROTATION_ENABLED, [s, r]), SECRET_ROTATION_ENABLED.name, contains="every 60 days")


def test_exempt_tag_needs_a_reason():
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(tags={"iam-platform:rotation-exempt": "public keys"})]))
    assert_violates(run_policy(SECRET_ROTATION_ENABLED, [secret(tags={"iam-platform:rotation-exempt": " "})]),
                    SECRET_ROTATION_ENABLED.name, contains="without a reason")


def test_config_exemption_and_service_owned_secrets_pass():
    config = {"exemptions": [{"name": "vendor-token", "reason": "the vendor rotates it; we import it monthly"}]}
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret("vendor-token")], config))
    owned = secret(tags={"aws:secretsmanager:owningService": "rds"})
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [owned]))


# --- secret-encrypted-with-cmk -----------------------------------------------------------

@pytest.mark.parametrize("props", [{}, {"kmsKeyId": "alias/aws/secretsmanager"}])
def test_secret_with_the_aws_managed_key_fires(props):
    violation = assert_violates(run_policy(SECRET_ENCRYPTED_WITH_CMK, secret(**props)), "secret-encrypted-with-cmk")
    assert violation.level == "advisory"


def test_secret_with_a_customer_key_passes():
    assert_passes(run_policy(SECRET_ENCRYPTED_WITH_CMK, secret(kmsKeyId=KEY_ARN)))


# --- kms-key-rotation-enabled ------------------------------------------------------------

KEY = "aws:kms/key:Key"


@pytest.mark.parametrize("props", [{}, {"enableKeyRotation": False}, {"keySpec": "SYMMETRIC_DEFAULT"},
                                   {"origin": "AWS_KMS", "customKeyStoreId": ""}])
def test_symmetric_key_without_rotation_fires(props):
    assert_violates(run_policy(KMS_KEY_ROTATION_ENABLED, resource(KEY, "k", props)), "kms-key-rotation-enabled",
                    contains="enable_key_rotation=True")


@pytest.mark.parametrize("props", [{"enableKeyRotation": True},
                                   {"keySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
                                   {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"},
                                   {"keySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"},
                                   # imported material and custom key stores: AWS cannot rotate them
                                   {"origin": "EXTERNAL"},
                                   {"customKeyStoreId": "cks-1234567890abcdef0"},
                                   {"xksKeyId": "ext-key-1", "customKeyStoreId": "cks-2"},
                                   {"origin": "AWS_CLOUDHSM"}])
def test_rotating_or_asymmetric_keys_pass(props):
    assert_passes(run_policy(KMS_KEY_ROTATION_ENABLED, resource(KEY, "k", props)))


# --- kms-key-policy-no-public-principal ---------------------------------------------------

def key_policy(statement, type_=KEY):
    return resource(type_, "k", {"policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
                                 "enableKeyRotation": True})


@pytest.mark.parametrize("type_", [KEY, "aws:kms/keyPolicy:KeyPolicy"])
def test_public_key_policy_fires(type_):
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    assert_violates(run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(statement, type_)),
                    "kms-key-policy-no-public-principal", contains='principal "*"')


def test_public_principal_with_caller_account_and_named_principals_pass():
    conditioned = {"Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt"], "Resource": "*",
                   "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012",
                                                  "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}}
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
    assert_passes(run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(conditioned)))
    assert_passes(run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(root)))


# --- rds-cluster-encrypted-private -------------------------------------------------------

CLUSTER, INSTANCE = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"
GOOD_CLUSTER = {"engine": "aurora-mysql", "storageEncrypted": True, "deletionProtection": True,
                "manageMasterUserPassword": True}


def test_encrypted_private_cluster_passes_in_every_stack():
    for stack in ("dev", "prod"):
        stack_resources = [resource(CLUSTER, "db", GOOD_CLUSTER, stack=stack),
                           resource(INSTANCE, "db-1", {"publiclyAccessible": False}, stack=stack)]
        assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, stack_resources))


def test_unencrypted_cluster_fires():
    cluster = resource(CLUSTER, "db", {**GOOD_CLUSTER, "storageEncrypted": False})
    assert_violates(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, cluster), "rds-cluster-encrypted-private",
                    contains="storage_encrypted=True")


def test_public_instance_fires():
    assert_violates(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(INSTANCE, "db-1", {"publiclyAccessible": True})),
                    RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains="publicly accessible")


def test_deletion_protection_required_in_prod_or_when_configured():
    unprotected = {**GOOD_CLUSTER, "deletionProtection": False}
    assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(CLUSTER, "db", unprotected, stack="dev")))
    assert_violates(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(CLUSTER, "db", unprotected, stack="prod")),
                    RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains='stack "prod"')
    assert_violates(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(CLUSTER, "db", unprotected, stack="dev"),
                               {"requireDeletionProtection": True}), RDS_CLUSTER_ENCRYPTED_PRIVATE.name)


# --- dynamodb-table-protected ------------------------------------------------------------

TABLE = "aws:dynamodb/table:Table"
PROTECTED_TABLE = {"hashKey": "id", "pointInTimeRecovery": {"enabled": True},
                   "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN}}


def test_unprotected_table_fires_twice():
    table = resource(TABLE, "sessions", {"hashKey": "id"})
    violations = run_policy(DYNAMODB_TABLE_PROTECTED, table)
    assert_violates(violations, "dynamodb-table-protected", contains="point-in-time recovery", level="advisory")
    assert_violates(violations, "dynamodb-table-protected", contains="server-side encryption")


def test_the_message_asks_for_what_the_check_accepts():
    # a KMS key, AWS managed (no kms_key_arn) or customer managed, instead of the AWS owned key
    [violation] = run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", {
        "hashKey": "id", "pointInTimeRecovery": {"enabled": True}}))
    assert '{"enabled": True} for the AWS managed key aws/dynamodb' in violation.message
    assert_passes(run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", {
        "hashKey": "id", "pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True}})))


def test_protected_table_passes():
    assert_passes(run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", PROTECTED_TABLE)))


def test_table_remediation_turns_both_on_and_keeps_the_rest():
    table = resource(TABLE, "sessions", {"hashKey": "id", "serverSideEncryption": {"kmsKeyArn": KEY_ARN}})

    fixed = remediate(DYNAMODB_TABLE_PROTECTED, table)

    assert fixed == {"hashKey": "id", "pointInTimeRecovery": {"enabled": True},
                     "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN}}
    assert_passes(run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", fixed)))
    assert remediate(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", PROTECTED_TABLE)) is None


# --- log-group-retention-set -------------------------------------------------------------

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@pytest.mark.parametrize("props", [{}, {"retentionInDays": 0}])
def test_log_group_without_retention_fires(props):
    assert_violates(run_policy(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "fn-logs", props)),
                    "log-group-retention-set", level="advisory", contains="retention_in_days")


def test_log_group_with_retention_passes():
    assert_passes(run_policy(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "fn-logs", {"retentionInDays": 14})))


def test_log_group_remediation_sets_the_configured_retention():
    group = resource(LOG_GROUP, "fn-logs", {"name": "/aws/lambda/fn"})
    assert remediate(LOG_GROUP_RETENTION_SET, group) == {"name": "/aws/lambda/fn", "retentionInDays": 30}
    assert remediate(LOG_GROUP_RETENTION_SET, group, {"remediationRetentionDays": 365})["retentionInDays"] == 365
    assert remediate(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "g", {"retentionInDays": 7})) is None


def test_the_analyzer_runs_the_remediation_at_level_remediate():
    from google.protobuf import empty_pb2, json_format, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2 as pb
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    from policies.pack import build_policies
    from preview.analysis import configure_request

    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", build_policies(), EnforcementLevel.MANDATORY, None)
    servicer.Configure(configure_request(servicer.GetAnalyzerInfo(empty_pb2.Empty(), None),
                                         {"log-group-retention-set": "remediate",
                                          "dynamodb-table-protected": "remediate"}), None)
    properties = struct_pb2.Struct()
    properties.update({"name": "/aws/lambda/fn"})

    response = servicer.Remediate(pb.AnalyzeRequest(type=LOG_GROUP, urn="urn:pulumi:dev::p::" + LOG_GROUP + "::g",
                                                    name="g", properties=properties), None)

    [remediation] = response.remediations
    assert remediation.policyName == "log-group-retention-set"
    assert json_format.MessageToDict(remediation.properties) == {"name": "/aws/lambda/fn", "retentionInDays": 30}


@pytest.mark.parametrize("expression, shown", [("cron(0 0 ? * MON#1 *)", "every 35 days"),
                                               ("cron(0 0 ? * 2#3 *)", "every 35 days"),
                                               ("cron(0 0 ? * 1L *)", "every 35 days"),
                                               ("cron(0 0 ? * FRIL *)", "every 35 days"),
                                               ("cron(0 0 25/10 * ? *)", "every 31 days"),
                                               ("cron(0 0 */31 * ? *)", "every 31 days")])
def test_monthly_cron_schedules_are_not_taken_for_weekly_ones(expression, shown):
    r = rotation({"scheduleExpression": expression})
    violation = assert_violates(run_policy(SECRET_ROTATION_ENABLED, [secret(), r]), SECRET_ROTATION_ENABLED.name,
                                urn=r.urn)
    assert shown in violation.message
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), r], {"maxRotationDays": 35}))


@pytest.mark.parametrize("expression", ["cron(0 0 1/10 * ? *)", "cron(0 0 ? * MON *)", "cron(0 0 */7 * ? *)"])
def test_stepped_and_weekly_cron_schedules_still_pass(expression):
    assert_passes(run_policy(SECRET_ROTATION_ENABLED, [secret(), rotation({"scheduleExpression": expression})]))


@pytest.mark.parametrize("type_, props", [
    ("aws:rds/instance:Instance", {"replicateSourceDb": "primary-db", "instanceClass": "db.t3.micro"}),
    ("aws:rds/instance:Instance", {"snapshotIdentifier": "primary-final", "instanceClass": "db.t3.micro"}),
    (CLUSTER, {"snapshotIdentifier": "db-final", "engine": "aurora-postgresql"}),
    (CLUSTER, {"snapshotIdentifier": UNKNOWN, "engine": "aurora-postgresql"}),
])
def test_a_replica_or_restore_inherits_its_sources_encryption(type_, props):
    assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(type_, "copy", props)))


def test_a_replica_or_restore_keeps_the_other_checks_and_an_explicit_false():
    replica = {"replicateSourceDb": "primary-db", "publiclyAccessible": True}
    violations = run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource("aws:rds/instance:Instance", "copy", replica,
                                                                    stack="prod"))
    assert_violates(violations, RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains="publicly accessible")
    assert_violates(violations, RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains="deletion_protection=True")
    assert not [v for v in violations if "unencrypted" in v.message]
    restored = resource(CLUSTER, "copy", {"snapshotIdentifier": "db-final", "storageEncrypted": False})
    assert_violates(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, restored), RDS_CLUSTER_ENCRYPTED_PRIVATE.name,
                    contains="stores data unencrypted")
