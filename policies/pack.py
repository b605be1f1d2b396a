"""The pack: its name, its policies, and its default configuration."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from policies.rules import (
    access_keys,
    api_domains,
    apigateway,
    apigatewayv2,
    credentials,
    data_stores,
    encryption,
    execution_roles,
    iam_policies,
    iam_trust,
    iam_validity,
    lambda_permissions,
    managed_policies,
    observability,
    resource_policies,
    rollout,
    secrets_kms,
    tvm,
    tvm_guard,
)
from policies.settings import schema_defaults

PACK_NAME = "iam-platform-guardrails"
PACK_ENFORCEMENT_LEVEL = EnforcementLevel.MANDATORY

# Settings' defaults live in each policy's config schema, where the engine applies them.
# Keep this None: an initial_config entry without "enforcementLevel" reaches the engine as
# ADVISORY (the protobuf enum's zero value) and silently demotes that policy.
INITIAL_CONFIG: dict[str, Any] | None = None


def build_policies() -> list[Policy]:
    """Every policy of the pack, in the order of policies/README.md."""
    return [
        apigateway.METHOD_REQUIRES_IAM_AUTH,
        apigatewayv2.ROUTE_REQUIRES_IAM_AUTH,
        apigateway.RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL,
        lambda_permissions.PERMISSION_HAS_SOURCE_ARN,
        lambda_permissions.FUNCTION_URL_REQUIRES_AUTH,
        iam_trust.TRUST_NO_WILDCARD,
        iam_trust.TRUST_SERVICE_CONDITIONS,
        iam_policies.NO_WILDCARD_ACTIONS,
        iam_policies.SCOPED_RESOURCES,
        iam_validity.DOCUMENT_VALID,
        iam_policies.NO_LIST_SECRETS,
        access_keys.USER_ACCESS_KEY_PRESENT,
        iam_policies.NO_PRIVILEGE_ESCALATION,
        managed_policies.IAM_NO_ADMIN_MANAGED_POLICY,
        resource_policies.RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL,
        resource_policies.RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED,
        execution_roles.EXECUTION_ROLE_AUTONAMED,
        tvm.PROTECTED_ROLE_TRUSTS_ONLY_TVM,
        tvm.TVM_ROLE_ASSUME_SCOPE,
        tvm_guard.TVM_PROTECTED_ROLE_DENIES_TVM_RESOURCES,
        secrets_kms.SECRET_ROTATION_ENABLED,
        secrets_kms.SECRET_ENCRYPTED_WITH_CMK,
        secrets_kms.KMS_KEY_ROTATION_ENABLED,
        secrets_kms.KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL,
        data_stores.RDS_CLUSTER_ENCRYPTED_PRIVATE,
        data_stores.DYNAMODB_TABLE_PROTECTED,
        observability.LOG_GROUP_RETENTION_SET,
        observability.APIGATEWAY_STAGE_ACCESS_LOGGING,
        encryption.SQS_QUEUE_ENCRYPTED,
        encryption.SNS_TOPIC_ENCRYPTED,
        encryption.LOG_GROUP_ENCRYPTED_WITH_KMS,
        credentials.LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS,
        credentials.RDS_MASTER_PASSWORD_NOT_PLAIN,
        api_domains.APIGATEWAY_DOMAIN_TLS_1_2,
        rollout.ROLLOUT_CLEANUP_COMPLETE,
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
