"""Encryption at rest with a KMS key: SQS queues, SNS topics, CloudWatch log groups."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.exemptions import is_exempt
from policies.kms_keys import KeyKind, key_kind
from policies.props import known_or_none
from policies.resource_types import applies_to
from policies.schemas import exemptions_only_schema, exemptions_schema
from policies.settings import policy_settings

QUEUE_TYPE = "aws:sqs/queue:Queue"
TOPIC_TYPE = "aws:sns/topic:Topic"
LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"


def _schema(what: str, cmk_default: bool, cmk_description: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(
        properties={
            "requireCustomerManagedKey": {"type": "boolean", "default": cmk_default, "description": cmk_description},
            "exemptions": exemptions_schema(what),
        }
    )


# --- sqs-queue-encrypted -----------------------------------------------------------------

QUEUE_SCHEMA = _schema(
    "Queues",
    False,
    "Require kms_master_key_id to name a customer-managed key (not SSE-SQS, not the AWS managed key alias/aws/sqs).",
)


@applies_to(QUEUE_TYPE)
def _validate_sqs_queue_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, QUEUE_SCHEMA)
    if is_exempt(settings, args):
        return
    kind = key_kind(args.props, "kmsMasterKeyId", "sqs")
    if settings["requireCustomerManagedKey"]:
        if kind is not KeyKind.CUSTOMER_MANAGED:
            used = "the AWS managed key aws/sqs" if kind is KeyKind.AWS_MANAGED else "no KMS key (SSE-SQS or none)"
            report_violation(
                f'queue "{args.name}" uses {used}, and requireCustomerManagedKey is set; pass a '
                "customer-managed key's ARN as kms_master_key_id (its key policy must let the "
                "producers' services use it), or add the queue to this policy's exemptions with a reason"
            )
        return
    # Since October 2022 SQS encrypts a new queue with SSE-SQS unless told otherwise.
    if kind is KeyKind.NONE and known_or_none(args.props, "sqsManagedSseEnabled") is False:
        report_violation(
            f'queue "{args.name}" stores messages unencrypted (sqs_managed_sse_enabled=False and no '
            "kms_master_key_id); remove sqs_managed_sse_enabled=False (SSE-SQS is the default) or pass "
            "a KMS key as kms_master_key_id"
        )


SQS_QUEUE_ENCRYPTED = ResourceValidationPolicy(
    name="sqs-queue-encrypted",
    description="SQS queues must encrypt messages at rest (SSE-SQS, the default, or a KMS key; a customer-managed "
    "key with requireCustomerManagedKey).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Leave sqs_managed_sse_enabled unset or True, or set kms_master_key_id to a KMS key ARN.",
    config_schema=QUEUE_SCHEMA,
    validate=_validate_sqs_queue_encrypted,
)


# --- sns-topic-encrypted -----------------------------------------------------------------

TOPIC_SCHEMA = _schema(
    "Topics", False, "Require kms_master_key_id to name a customer-managed key, not the AWS managed key alias/aws/sns."
)


@applies_to(TOPIC_TYPE)
def _validate_sns_topic_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, TOPIC_SCHEMA)
    if is_exempt(settings, args):
        return
    kind = key_kind(args.props, "kmsMasterKeyId", "sns")
    if kind is KeyKind.NONE:
        report_violation(
            f'topic "{args.name}" stores messages unencrypted (no kms_master_key_id); pass a '
            "customer-managed key's ARN as kms_master_key_id (a topic CloudWatch alarms or other "
            "services publish to needs one whose key policy lets those services use it: the AWS "
            "managed key aws/sns cannot), or add the topic to this policy's exemptions with a reason"
        )
    elif kind is KeyKind.AWS_MANAGED and settings["requireCustomerManagedKey"]:
        report_violation(
            f'topic "{args.name}" uses the AWS managed key aws/sns, and requireCustomerManagedKey is '
            "set; pass a customer-managed key's ARN as kms_master_key_id"
        )


SNS_TOPIC_ENCRYPTED = ResourceValidationPolicy(
    name="sns-topic-encrypted",
    description="SNS topics should encrypt messages at rest with a KMS key.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Create an aws.kms.Key whose policy allows the publishing services (cloudwatch, events, ...) "
    "kms:Decrypt and kms:GenerateDataKey*, and pass its ARN as kms_master_key_id.",
    config_schema=TOPIC_SCHEMA,
    validate=_validate_sns_topic_encrypted,
)


# --- log-group-encrypted-with-kms --------------------------------------------------------

LOG_GROUP_SCHEMA = exemptions_only_schema("Log groups")


@applies_to(LOG_GROUP_TYPE)
def _validate_log_group_encrypted_with_kms(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if is_exempt(policy_settings(args, LOG_GROUP_SCHEMA), args):
        return
    if key_kind(args.props, "kmsKeyId", "logs") is KeyKind.NONE:
        report_violation(
            f'log group "{args.name}" is encrypted only with CloudWatch Logs\' own key, which no key '
            "policy or CloudTrail entry of yours covers; pass a customer-managed key's ARN as kms_key_id "
            "(its key policy must allow logs.<region>.amazonaws.com with a kms:EncryptionContext:"
            "aws:logs:arn condition), or add the log group to this policy's exemptions with a reason"
        )


LOG_GROUP_ENCRYPTED_WITH_KMS = ResourceValidationPolicy(
    name="log-group-encrypted-with-kms",
    description="CloudWatch log groups should be encrypted with a customer-managed KMS key.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps="Create an aws.kms.Key whose policy allows logs.<region>.amazonaws.com, and pass its ARN as "
    "kms_key_id on the aws.cloudwatch.LogGroup.",
    config_schema=LOG_GROUP_SCHEMA,
    validate=_validate_log_group_encrypted_with_kms,
)
