"""Databases and tables: Aurora encrypted and private, DynamoDB recoverable and KMS-encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.exemptions import is_exempt
from policies.props import is_set, plain
from policies.resource_types import applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings
from policies.stacks import stack_of

CLUSTER_TYPE = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE_TYPE = "aws:rds/clusterInstance:ClusterInstance"
INSTANCE_TYPE = "aws:rds/instance:Instance"
TABLE_TYPE = "aws:dynamodb/table:Table"


# --- rds-cluster-encrypted-private -------------------------------------------------------

RDS_SCHEMA = PolicyConfigSchema(
    properties={
        "requireDeletionProtection": {
            "type": "boolean",
            "default": False,
            "description": "Require deletion_protection on every cluster and instance.",
        },
        "deletionProtectionStacks": string_list(
            ["prod"],
            "Stacks (from the resource URN) where deletion_protection is required even when "
            "requireDeletionProtection is false.",
        ),
    },
)


# Properties that make a database a copy of another: it is encrypted as its source is.
_SOURCE_KEYS = {
    CLUSTER_TYPE: ("snapshotIdentifier", "restoreToPointInTime"),
    INSTANCE_TYPE: ("replicateSourceDb", "snapshotIdentifier", "restoreToPointInTime"),
}


@applies_to(CLUSTER_TYPE, CLUSTER_INSTANCE_TYPE, INSTANCE_TYPE)
def _validate_rds(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type in (CLUSTER_TYPE, INSTANCE_TYPE):
        # Aurora Serverless v1 clusters are always encrypted; a replica or a restore inherits its source's
        # encryption when storageEncrypted is not given; everything else defaults to unencrypted.
        inherits = any(is_set(props, key) for key in _SOURCE_KEYS[args.resource_type]) and not is_set(
            props, "storageEncrypted"
        )
        if props.get("storageEncrypted") is not True and props.get("engineMode") != "serverless" and not inherits:
            report_violation(
                f'"{args.name}" stores data unencrypted; set storage_encrypted=True (and kms_key_id to '
                "a customer-managed key); an existing database must be restored from an encrypted "
                "snapshot"
            )
        settings = policy_settings(args, RDS_SCHEMA)
        stack = stack_of(args.urn)
        if (settings["requireDeletionProtection"] or stack in settings["deletionProtectionStacks"]) and props.get(
            "deletionProtection"
        ) is not True:
            report_violation(
                f'"{args.name}" can be deleted by a single update in stack "{stack}"; set deletion_protection=True'
            )
    if args.resource_type in (CLUSTER_INSTANCE_TYPE, INSTANCE_TYPE) and props.get("publiclyAccessible") is True:
        report_violation(
            f'database instance "{args.name}" is publicly accessible; set publicly_accessible=False '
            "and reach it from inside the VPC"
        )


RDS_CLUSTER_ENCRYPTED_PRIVATE = ResourceValidationPolicy(
    name="rds-cluster-encrypted-private",
    description="RDS clusters and instances must be encrypted at rest and not publicly accessible; deletion "
    "protection where the pack config asks for it.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set storage_encrypted=True (with a customer-managed kms_key_id), publicly_accessible=False "
    "on instances, and deletion_protection=True in the stacks that require it.",
    config_schema=RDS_SCHEMA,
    validate=_validate_rds,
)


# --- dynamodb-table-protected ------------------------------------------------------------

TABLE_SCHEMA = PolicyConfigSchema(
    properties={
        "requirePointInTimeRecovery": {"type": "boolean", "default": True},
        "requireServerSideEncryption": {
            "type": "boolean",
            "default": True,
            "description": "Require serverSideEncryption.enabled (a KMS key, AWS "
            "managed or customer managed, instead of the AWS owned key).",
        },
        "exemptions": exemptions_schema("Tables"),
    },
)


def _table_problems(props: Mapping[str, Any], settings: Mapping[str, Any]) -> list[str]:
    problems = []
    if settings["requirePointInTimeRecovery"] and not _enabled(props, "pointInTimeRecovery"):
        problems.append('point-in-time recovery is off (set point_in_time_recovery={"enabled": True})')
    if settings["requireServerSideEncryption"] and not _enabled(props, "serverSideEncryption"):
        problems.append(
            "server-side encryption with a KMS key is off: the table uses the AWS owned key, which "
            "no key policy or CloudTrail entry of yours covers (set server_side_encryption="
            '{"enabled": True} for the AWS managed key aws/dynamodb, and add "kms_key_arn" for a '
            "customer-managed one)"
        )
    return problems


def _enabled(props: Mapping[str, Any], block: str) -> bool:
    value = props.get(block)
    return value is not None and bool(value) and value.get("enabled") is True


@applies_to(TABLE_TYPE)
def _validate_table(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, TABLE_SCHEMA)
    if is_exempt(settings, args):
        return
    for problem in _table_problems(args.props, settings):
        report_violation(f'table "{args.name}": {problem}')


@applies_to(TABLE_TYPE)
def _remediate_table(args: ResourceValidationArgs) -> dict[str, Any] | None:
    settings = policy_settings(args, TABLE_SCHEMA)
    if is_exempt(settings, args):
        return None
    if not _table_problems(args.props, settings):
        return None
    props = plain(args.props)
    if settings["requirePointInTimeRecovery"]:
        props["pointInTimeRecovery"] = {**(props.get("pointInTimeRecovery") or {}), "enabled": True}
    if settings["requireServerSideEncryption"]:
        props["serverSideEncryption"] = {**(props.get("serverSideEncryption") or {}), "enabled": True}
    return props


DYNAMODB_TABLE_PROTECTED = ResourceValidationPolicy(
    name="dynamodb-table-protected",
    description="DynamoDB tables should have point-in-time recovery and KMS server-side encryption.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps='Set point_in_time_recovery={"enabled": True} and server_side_encryption={"enabled": True, '
    '"kms_key_arn": ...}; at enforcement level "remediate" the pack sets both itself.',
    config_schema=TABLE_SCHEMA,
    validate=_validate_table,
    remediate=_remediate_table,  # type: ignore[arg-type]  # the SDK types remediations as async only; it takes a mapping too
)
