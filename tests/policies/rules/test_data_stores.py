"""Tests of policies/rules/data_stores.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.data_stores import DYNAMODB_TABLE_PROTECTED, RDS_CLUSTER_ENCRYPTED_PRIVATE
from policies.testing import UNKNOWN, assert_passes, assert_violates, remediate, resource, run_policy
from tests.policies.rules.samples import KEY_ARN

CLUSTER, INSTANCE = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"


GOOD_CLUSTER = {
    "engine": "aurora-mysql",
    "storageEncrypted": True,
    "deletionProtection": True,
    "manageMasterUserPassword": True,
}


def test_encrypted_private_cluster_passes_in_every_stack():
    for stack in ("dev", "prod"):
        stack_resources = [
            resource(CLUSTER, "db", GOOD_CLUSTER, stack=stack),
            resource(INSTANCE, "db-1", {"publiclyAccessible": False}, stack=stack),
        ]
        assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, stack_resources))


def test_unencrypted_cluster_fires():
    cluster = resource(CLUSTER, "db", {**GOOD_CLUSTER, "storageEncrypted": False})
    assert_violates(
        run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, cluster),
        "rds-cluster-encrypted-private",
        contains="storage_encrypted=True",
    )


def test_public_instance_fires():
    assert_violates(
        run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(INSTANCE, "db-1", {"publiclyAccessible": True})),
        RDS_CLUSTER_ENCRYPTED_PRIVATE.name,
        contains="publicly accessible",
    )


def test_deletion_protection_required_in_prod_or_when_configured():
    unprotected = {**GOOD_CLUSTER, "deletionProtection": False}
    assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(CLUSTER, "db", unprotected, stack="dev")))
    assert_violates(
        run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(CLUSTER, "db", unprotected, stack="prod")),
        RDS_CLUSTER_ENCRYPTED_PRIVATE.name,
        contains='stack "prod"',
    )
    assert_violates(
        run_policy(
            RDS_CLUSTER_ENCRYPTED_PRIVATE,
            resource(CLUSTER, "db", unprotected, stack="dev"),
            {"requireDeletionProtection": True},
        ),
        RDS_CLUSTER_ENCRYPTED_PRIVATE.name,
    )


TABLE = "aws:dynamodb/table:Table"


PROTECTED_TABLE = {
    "hashKey": "id",
    "pointInTimeRecovery": {"enabled": True},
    "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN},
}


def test_unprotected_table_fires_twice():
    table = resource(TABLE, "sessions", {"hashKey": "id"})
    violations = run_policy(DYNAMODB_TABLE_PROTECTED, table)
    assert_violates(violations, "dynamodb-table-protected", contains="point-in-time recovery", level="advisory")
    assert_violates(violations, "dynamodb-table-protected", contains="server-side encryption")


def test_the_message_asks_for_what_the_check_accepts():
    # a KMS key, AWS managed (no kms_key_arn) or customer managed, instead of the AWS owned key
    [violation] = run_policy(
        DYNAMODB_TABLE_PROTECTED,
        resource(TABLE, "sessions", {"hashKey": "id", "pointInTimeRecovery": {"enabled": True}}),
    )
    assert '{"enabled": True} for the AWS managed key aws/dynamodb' in violation.message
    assert_passes(
        run_policy(
            DYNAMODB_TABLE_PROTECTED,
            resource(
                TABLE,
                "sessions",
                {"hashKey": "id", "pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True}},
            ),
        )
    )


def test_protected_table_passes():
    assert_passes(run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", PROTECTED_TABLE)))


def test_table_remediation_turns_both_on_and_keeps_the_rest():
    table = resource(TABLE, "sessions", {"hashKey": "id", "serverSideEncryption": {"kmsKeyArn": KEY_ARN}})

    fixed = remediate(DYNAMODB_TABLE_PROTECTED, table)

    assert fixed == {
        "hashKey": "id",
        "pointInTimeRecovery": {"enabled": True},
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN},
    }
    assert_passes(run_policy(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", fixed)))
    assert remediate(DYNAMODB_TABLE_PROTECTED, resource(TABLE, "sessions", PROTECTED_TABLE)) is None


@pytest.mark.parametrize(
    "type_, props",
    [
        ("aws:rds/instance:Instance", {"replicateSourceDb": "primary-db", "instanceClass": "db.t3.micro"}),
        ("aws:rds/instance:Instance", {"snapshotIdentifier": "primary-final", "instanceClass": "db.t3.micro"}),
        (CLUSTER, {"snapshotIdentifier": "db-final", "engine": "aurora-postgresql"}),
        (CLUSTER, {"snapshotIdentifier": UNKNOWN, "engine": "aurora-postgresql"}),
    ],
)
def test_a_replica_or_restore_inherits_its_sources_encryption(type_, props):
    assert_passes(run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, resource(type_, "copy", props)))


def test_a_replica_or_restore_keeps_the_other_checks_and_an_explicit_false():
    replica = {"replicateSourceDb": "primary-db", "publiclyAccessible": True}
    violations = run_policy(
        RDS_CLUSTER_ENCRYPTED_PRIVATE, resource("aws:rds/instance:Instance", "copy", replica, stack="prod")
    )
    assert_violates(violations, RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains="publicly accessible")
    assert_violates(violations, RDS_CLUSTER_ENCRYPTED_PRIVATE.name, contains="deletion_protection=True")
    assert not [v for v in violations if "unencrypted" in v.message]
    restored = resource(CLUSTER, "copy", {"snapshotIdentifier": "db-final", "storageEncrypted": False})
    assert_violates(
        run_policy(RDS_CLUSTER_ENCRYPTED_PRIVATE, restored),
        RDS_CLUSTER_ENCRYPTED_PRIVATE.name,
        contains="stores data unencrypted",
    )
