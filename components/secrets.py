"""Secrets whose values people put (Slack credentials, public JWT keys), each encrypted
with its own customer-managed key and read through Secrets Manager only."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam, tags
from components.kms import customer_managed_key, decrypt_via_secrets_manager
from components.platform import Platform


@dataclass(frozen=True)
class OperatorSecret:
    """A secret Secrets Manager cannot rotate (``rotation_exempt_reason`` says why; the
    policy pack's secret-rotation-enabled accepts that tag's value as the exemption)."""

    secret_name: str
    description: str
    rotation_exempt_reason: str
    initial_value: str | None = None  # written once; later updates never overwrite it

    def declare(self, resource_name: str, platform: Platform, parent: pulumi.Resource) -> DeclaredSecret:
        protected = platform.protection.deletion_protection
        key = customer_managed_key(
            f"{resource_name}-key", f"secret {self.secret_name}", platform, parent, protect=protected
        )
        secret = aws.secretsmanager.Secret(
            resource_name,
            name=self.secret_name,
            description=self.description,
            kms_key_id=key.arn,
            recovery_window_in_days=platform.protection.secret_recovery_days,
            tags={tags.ROTATION_EXEMPT: self.rotation_exempt_reason},
            opts=pulumi.ResourceOptions(parent=parent, protect=protected),
        )
        if self.initial_value is not None:
            aws.secretsmanager.SecretVersion(
                f"{resource_name}-initial",
                secret_id=secret.id,
                secret_string=self.initial_value,
                opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["secretString"]),
            )
        return DeclaredSecret(secret, key, platform.region)


@dataclass(frozen=True)
class DeclaredSecret:
    secret: aws.secretsmanager.Secret
    key: aws.kms.Key
    region: str

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.secret.arn

    def read_statements(self) -> list[iam.Statement]:
        """What a reader needs: GetSecretValue on this secret, Decrypt on its key via Secrets Manager."""
        return [
            iam.allow(["secretsmanager:GetSecretValue"], [self.secret.arn]),
            decrypt_via_secrets_manager([self.key.arn], self.region),
        ]


def consumer_statements(secret_arn: pulumi.Input[str], key_arn: pulumi.Input[str], region: str) -> list[iam.Statement]:
    """Exactly what a consumer needs: read this secret, decrypt with its key via Secrets Manager."""
    return [
        iam.allow(
            ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            [secret_arn],
            sid="ReadTheDatabaseSecret",
        ),
        decrypt_via_secrets_manager([key_arn], region, sid="DecryptItThroughSecretsManager"),
    ]
