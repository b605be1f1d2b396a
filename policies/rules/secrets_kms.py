"""Secrets rotate and use customer-managed keys; KMS keys rotate and are never public."""

from __future__ import annotations

import itertools
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.exemptions import is_exempt
from policies.kms_keys import KeyKind, key_kind
from policies.props import is_set, known_or_none
from policies.public_access import not_principal_allows, policy_statements, unrestricted_public_allows
from policies.resource_types import applies_to, resources_of
from policies.schemas import PARTIAL_INPUT, exemptions_only_schema, exemptions_schema, partial_input_schema, string_list
from policies.settings import policy_settings
from policies.stacks import tags_of

SECRET_TYPE = "aws:secretsmanager/secret:Secret"
ROTATION_TYPE = "aws:secretsmanager/secretRotation:SecretRotation"
KEY_TYPE = "aws:kms/key:Key"
KEY_POLICY_TYPE = "aws:kms/keyPolicy:KeyPolicy"
# Secrets Manager tags a secret another service owns (RDS manage_master_user_password, ...).
OWNING_SERVICE_TAG = "aws:secretsmanager:owningService"


# --- secret-rotation-enabled -------------------------------------------------------------

ROTATION_SCHEMA = PolicyConfigSchema(
    properties={
        "maxRotationDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "default": 30,
            "description": "Longest allowed time between rotations, in days.",
        },
        "exemptTag": {
            "type": "string",
            "default": "iam-platform:rotation-exempt",
            "description": "A secret carrying this tag is exempt; the tag's value is the reason and must not be empty.",
        },
        "exemptions": exemptions_schema("Secrets"),
        PARTIAL_INPUT: partial_input_schema(),
    },
)


def _validate_rotation(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    settings = policy_settings(args, ROTATION_SCHEMA)
    secrets = resources_of(args, SECRET_TYPE)
    if not secrets:
        return
    rotations = resources_of(args, ROTATION_TYPE)
    limit = int(settings["maxRotationDays"])
    for secret in secrets:
        tags = tags_of(secret.props)
        if OWNING_SERVICE_TAG in tags:
            continue  # managed (and rotated) by RDS or another service
        if settings["exemptTag"] in tags:
            if tags[settings["exemptTag"]].strip():
                continue
            report_violation(
                f'secret "{secret.name}" is tagged {settings["exemptTag"]} without a reason; put '
                "the reason in the tag's value, or add a rotation",
                secret.urn,
            )
            continue
        if is_exempt(settings, secret):
            continue
        rotation = next((r for r in rotations if _rotates(r, secret)), None)
        if rotation is None and settings[PARTIAL_INPUT]:
            continue  # its rotation may be an unchanged resource the input leaves out
        if rotation is None:
            report_violation(
                f'secret "{secret.name}" has no rotation; add an aws.secretsmanager.SecretRotation with '
                f"rotation_rules.automatically_after_days <= {limit} (or let RDS manage the password with "
                f'manage_master_user_password), or tag it {settings["exemptTag"]} = "<reason>"',
                secret.urn,
            )
            continue
        days = _interval_days(rotation.props.get("rotationRules"))
        if days is None or days > limit:
            shown = "an interval it cannot determine" if days is None else f"every {days:g} days"
            report_violation(
                f'secret "{secret.name}" rotates {shown} (rotation "{rotation.name}"); set '
                f"rotation_rules.automatically_after_days (or a schedule_expression) to at most {limit} days",
                rotation.urn,
            )


def _rotates(rotation: PolicyResource, secret: PolicyResource) -> bool:
    if any(dep.urn == secret.urn for dep in rotation.property_dependencies.get("secretId", [])):
        return True
    refs = {known_or_none(secret.props, k) for k in ("arn", "id", "name")} - {None, ""}
    return known_or_none(rotation.props, "secretId") in refs


_RATE = re.compile(r"rate\((\d+)\s+(hour|hours|day|days)\)")


def _interval_days(rules: Any) -> float | None:
    """The longest time between two rotations, in days; None when it cannot tell."""
    if not rules:
        return None
    after = rules.get("automaticallyAfterDays")
    if isinstance(after, (int, float)) and not isinstance(after, bool):
        return float(after)
    expression = rules.get("scheduleExpression")
    if not isinstance(expression, str):
        return None
    rate = _RATE.fullmatch(expression.strip())
    if rate:
        count = int(rate.group(1))
        return count / 24 if rate.group(2).startswith("hour") else float(count)
    return _cron_interval_days(expression.strip())


def _cron_interval_days(expression: str) -> float | None:
    """``cron(min hour day-of-month month day-of-week year)``: daily, weekly, the nth or last weekday of the
    month, or given days of the month (a step with no second run in the month runs monthly)."""
    match = re.fullmatch(r"cron\((.+)\)", expression)
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        return None
    day_of_month, month, day_of_week = fields[2], fields[3], fields[4]
    if month not in ("*", "?"):
        return None  # specific months: at least a month apart, often far more
    if day_of_month in ("*", "?"):
        if day_of_week in ("*", "?"):
            return 1.0
        if "#" in day_of_week or "L" in day_of_week.upper():
            return 35.0  # the nth or last weekday of the month: 28 or 35 days apart
        return 7.0
    if re.fullmatch(r"(\*|\d+)/\d+", day_of_month):
        start, step = day_of_month.split("/")
        if (1 if start == "*" else int(start)) + int(step) > 31:
            day_of_month = "1" if start == "*" else start  # no second run in the month: monthly
        else:
            return float(step) + 1  # the step, plus the month-end wrap
    days = sorted({int(d) for d in re.findall(r"\d+", day_of_month)}) if re.fullmatch(r"[\d,]+", day_of_month) else []
    if not days:
        return None
    gaps = [b - a for a, b in itertools.pairwise(days)] + [31 - days[-1] + days[0]]
    return float(max(gaps))


SECRET_ROTATION_ENABLED = StackValidationPolicy(
    name="secret-rotation-enabled",
    description="Every Secrets Manager secret must rotate at least every maxRotationDays days, unless RDS "
    "manages it or it is exempt with a reason.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Add aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
    'rotation_rules={"automatically_after_days": 30}); for a database master password use '
    "manage_master_user_password=True; for a secret that cannot rotate (public keys) tag it "
    'iam-platform:rotation-exempt = "<reason>".',
    config_schema=ROTATION_SCHEMA,
    validate=_validate_rotation,
)


# --- secret-encrypted-with-cmk -----------------------------------------------------------

CMK_SCHEMA = exemptions_only_schema("Secrets")


@applies_to(SECRET_TYPE)
def _validate_cmk(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if is_exempt(policy_settings(args, CMK_SCHEMA), args):
        return
    if key_kind(args.props, "kmsKeyId", "secretsmanager") is not KeyKind.CUSTOMER_MANAGED:
        report_violation(
            f'secret "{args.name}" is encrypted with the AWS managed key aws/secretsmanager, whose '
            "policy you cannot restrict and which cannot be shared with other accounts; set kms_key_id "
            "to a customer-managed key"
        )


SECRET_ENCRYPTED_WITH_CMK = ResourceValidationPolicy(
    name="secret-encrypted-with-cmk",
    description="Secrets should be encrypted with a customer-managed KMS key.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps="Create an aws.kms.Key (with rotation) and pass its ARN as kms_key_id; grant readers "
    "kms:Decrypt on it.",
    config_schema=CMK_SCHEMA,
    validate=_validate_cmk,
)


# --- kms-key-rotation-enabled ------------------------------------------------------------


@applies_to(KEY_TYPE)
def _validate_key_rotation(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    spec = args.props.get("keySpec") or args.props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = args.props.get("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return  # AWS rotates only symmetric encryption keys automatically
    if _cannot_rotate(args.props):
        return
    if args.props.get("enableKeyRotation") is not True:
        report_violation(
            f'KMS key "{args.name}" does not rotate its key material; set enable_key_rotation=True '
            "(optionally rotation_period_in_days)"
        )


# Key material AWS did not generate inside KMS itself: AWS cannot rotate it automatically.
_NOT_ROTATABLE_ORIGINS = {"EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}


def _cannot_rotate(props: Any) -> bool:
    """Imported key material (origin EXTERNAL) or a key in a custom key store (CloudHSM or external)."""
    return known_or_none(props, "origin") in _NOT_ROTATABLE_ORIGINS or any(
        is_set(props, key) for key in ("customKeyStoreId", "xksKeyId")
    )


KMS_KEY_ROTATION_ENABLED = ResourceValidationPolicy(
    name="kms-key-rotation-enabled",
    description="Symmetric customer-managed KMS keys with AWS-generated material must rotate it.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Set enable_key_rotation=True on the aws.kms.Key.",
    validate=_validate_key_rotation,
)


# --- kms-key-policy-no-public-principal ---------------------------------------------------

KEY_POLICY_SCHEMA = PolicyConfigSchema(
    properties={
        "restrictingConditionKeys": string_list(
            [
                "kms:CallerAccount",
                "aws:PrincipalAccount",
                "aws:PrincipalOrgID",
                "aws:PrincipalArn",
                "aws:SourceAccount",
                "aws:SourceArn",
                "aws:SourceVpce",
                "aws:SourceVpc",
            ],
            'Condition keys that make an Allow to principal "*" acceptable.',
        ),
    },
)


@applies_to(KEY_TYPE, KEY_POLICY_TYPE)
def _validate_key_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    statements = policy_statements(args, f'the key policy of "{args.name}"', report_violation)
    if statements is None:
        return
    for statement in not_principal_allows(statements):
        report_violation(
            f'{statement.label} of the key policy of "{args.name}" uses NotPrincipal with Allow, '
            "which opens the key to every principal it does not list; name the principals"
        )
    keys = policy_settings(args, KEY_POLICY_SCHEMA)["restrictingConditionKeys"]
    for statement in unrestricted_public_allows(statements, keys):
        report_violation(
            f'{statement.label} of the key policy of "{args.name}" allows principal "*" without '
            "a restricting condition; name the account root or roles as principals, or add a "
            "condition on kms:CallerAccount or aws:PrincipalOrgID"
        )


KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL = ResourceValidationPolicy(
    name="kms-key-policy-no-public-principal",
    description='A KMS key policy must not allow principal "*" without a restricting condition.',
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps="Name the principals (the account root, roles, services) in the key policy, or condition "
    'the "*" statement on kms:CallerAccount / aws:PrincipalOrgID.',
    config_schema=KEY_POLICY_SCHEMA,
    validate=_validate_key_policy,
)
