"""Long-lived credentials: IAM user access keys."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.exemptions import exemption_reason
from policies.props import known_or_none
from policies.resource_types import applies_to
from policies.schemas import exemptions_only_schema
from policies.settings import policy_settings

ACCESS_KEY_TYPE = "aws:iam/accessKey:AccessKey"


# --- iam-user-access-key-present ---------------------------------------------------------

ACCESS_KEY_SCHEMA = exemptions_only_schema("Access keys (or their users)")


@applies_to(ACCESS_KEY_TYPE)
def _validate_access_key(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    user = known_or_none(args.props, "user")
    if exemption_reason(policy_settings(args, ACCESS_KEY_SCHEMA), args.name, user) is not None:
        return
    report_violation(
        f'access key "{args.name}" gives user "{user or "?"}" long-lived credentials that never '
        "expire; let the outside workload federate (IAM OIDC provider and a role) or use the TVM, "
        "or exempt the key with a reason and rotate it"
    )


USER_ACCESS_KEY_PRESENT = ResourceValidationPolicy(
    name="iam-user-access-key-present",
    description="Long-lived IAM user access keys should not be declared.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps="Replace the user and key by a role the workload assumes through web identity federation "
    "(aws:iam/openIdConnectProvider) or the TVM; if a key is unavoidable, exempt it with a "
    "reason and rotate it.",
    config_schema=ACCESS_KEY_SCHEMA,
    validate=_validate_access_key,
)
