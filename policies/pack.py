"""The pack: its name, its policies, and its default configuration."""

from __future__ import annotations

from typing import Any, Optional

from pulumi_policy import EnforcementLevel, Policy

from policies.rules import apigateway, apigatewayv2, execution_roles, iam_trust, lambda_permissions
from policies.settings import schema_defaults

PACK_NAME = "iam-platform-guardrails"
PACK_ENFORCEMENT_LEVEL = EnforcementLevel.MANDATORY

# Settings' defaults live in each policy's config schema, where the engine applies them.
# Keep this None: an initial_config entry without "enforcementLevel" reaches the engine as
# ADVISORY (the protobuf enum's zero value) and silently demotes that policy.
INITIAL_CONFIG: Optional[dict[str, Any]] = None


def build_policies() -> list[Policy]:
    return [
        apigateway.METHOD_REQUIRES_IAM_AUTH,
        apigatewayv2.ROUTE_REQUIRES_IAM_AUTH,
        lambda_permissions.PERMISSION_HAS_SOURCE_ARN,
        iam_trust.TRUST_NO_WILDCARD,
        execution_roles.EXECUTION_ROLE_AUTONAMED,
    ]


def default_pack_config() -> dict[str, dict[str, Any]]:
    """The pack's effective defaults, shaped like a ``--policy-pack-config`` file: a starting point."""
    return {
        policy.name: {
            "enforcementLevel": (policy.enforcement_level or PACK_ENFORCEMENT_LEVEL).value,
            **schema_defaults(policy.config_schema),
        }
        for policy in build_policies()
    }
