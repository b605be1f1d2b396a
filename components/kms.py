"""Customer-managed KMS keys, and the one way a secret's reader may use one.

Every key has rotation on and a policy that delegates to the account's IAM; services that
must use a key themselves (CloudWatch, EventBridge) get further statements from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components import iam
from components.platform import Platform


def customer_managed_key(
    resource_name: str,
    purpose: str,
    platform: Platform,
    parent: pulumi.Resource,
    protect: bool = False,
    statements: Sequence[iam.Statement] = (),
) -> aws.kms.Key:
    """A symmetric key for ``purpose``; ``protect`` for keys whose loss loses data."""
    return aws.kms.Key(
        resource_name,
        description=f"{platform.project}/{platform.stack} {purpose}",
        enable_key_rotation=True,
        deletion_window_in_days=30 if platform.protection.deletion_protection else 7,
        policy=iam.policy_document(
            [
                iam.resource_grant(
                    {"AWS": [platform.root_principal()]}, ["kms:*"], ["*"], sid="AccountAdministersKeyThroughIam"
                ),
                *statements,
            ]
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )


def decrypt_via_secrets_manager(
    key_arns: Sequence[pulumi.Input[str]],
    region: str,
    sid: str = "DecryptThroughSecretsManagerOnly",
    conditions: iam.Conditions | None = None,
) -> iam.Statement:
    """kms:Decrypt on ``key_arns`` only when Secrets Manager asks for it (GetSecretValue)."""
    return iam.allow(
        ["kms:Decrypt"],
        key_arns,
        sid=sid,
        conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}, **(conditions or {})},
    )
