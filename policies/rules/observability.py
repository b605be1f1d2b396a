"""Logs are kept for a bounded time, and API stages log who called them."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.aws_values import LOG_RETENTION_DAYS
from policies.exemptions import exemption_reason, is_exempt
from policies.props import known_or_none, plain
from policies.resource_types import applies_to
from policies.schemas import exemptions_only_schema, exemptions_schema
from policies.settings import policy_settings

LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"
REST_STAGE_TYPE = "aws:apigateway/stage:Stage"
HTTP_STAGE_TYPE = "aws:apigatewayv2/stage:Stage"


# --- log-group-retention-set -------------------------------------------------------------

RETENTION_SCHEMA = PolicyConfigSchema(
    properties={
        "remediationRetentionDays": {
            "type": "integer",
            "enum": list(LOG_RETENTION_DAYS),
            "default": 30,
            "description": "Retention the remediation sets on a log group without one.",
        },
        "exemptions": exemptions_schema("Log groups"),
    },
)


def _missing_retention(args: ResourceValidationArgs) -> bool:
    if is_exempt(policy_settings(args, RETENTION_SCHEMA), args):
        return False
    return not args.props.get("retentionInDays")  # absent or 0: kept forever


@applies_to(LOG_GROUP_TYPE)
def _validate_retention(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if _missing_retention(args):
        report_violation(
            f'log group "{args.name}" keeps its logs forever (no retentionInDays), which costs more '
            "every month and keeps personal data longer than needed; set retention_in_days (the "
            "stack's observability.logRetentionDays)"
        )


@applies_to(LOG_GROUP_TYPE)
def _remediate_retention(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if not _missing_retention(args):
        return None
    return {**plain(args.props), "retentionInDays": policy_settings(args, RETENTION_SCHEMA)["remediationRetentionDays"]}


LOG_GROUP_RETENTION_SET = ResourceValidationPolicy(
    name="log-group-retention-set",
    description="CloudWatch log groups should have a retention period.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps='Set retention_in_days on the aws.cloudwatch.LogGroup; at enforcement level "remediate" '
    "the pack sets remediationRetentionDays itself.",
    config_schema=RETENTION_SCHEMA,
    validate=_validate_retention,
    remediate=_remediate_retention,  # type: ignore[arg-type]  # the SDK types remediations as async only; it takes a mapping too
)


# --- apigateway-stage-access-logging -----------------------------------------------------

STAGE_SCHEMA = exemptions_only_schema("Stages")


@applies_to(REST_STAGE_TYPE, HTTP_STAGE_TYPE)
def _validate_stage(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    stage = known_or_none(args.props, "stageName") or known_or_none(args.props, "name")
    if exemption_reason(policy_settings(args, STAGE_SCHEMA), args.name) is not None:
        return
    settings = args.props.get("accessLogSettings")
    if settings and settings.get("destinationArn") and settings.get("format"):
        return
    api = "REST" if args.resource_type == REST_STAGE_TYPE else "HTTP"
    report_violation(
        f'{api} API stage "{args.name}" ({stage or "?"}) writes no access log, so nobody can tell who '
        "called the API; set access_log_settings with a log group ARN as destination_arn and a JSON "
        "format including $context.identity.userArn (REST APIs also need the account's CloudWatch role)"
    )


APIGATEWAY_STAGE_ACCESS_LOGGING = ResourceValidationPolicy(
    name="apigateway-stage-access-logging",
    description="API Gateway REST and HTTP API stages should write access logs.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Create a log group with a retention and set access_log_settings (destination_arn, format) "
    "on the stage.",
    config_schema=STAGE_SCHEMA,
    validate=_validate_stage,
)
