"""ExternalSecretReader: least-privilege secret reads for a workload that runs outside AWS."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import iam
from components.kms import decrypt_via_secrets_manager
from components.platform import Platform
from components.settings.external import ExternalSettings

READ_ACTIONS = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]


class ExternalSecretReader(pulumi.ComponentResource):
    """Read access to the secrets under one prefix, and nothing else.

    ``oidc`` (preferred): an IAM OIDC provider for the platform's issuer (or an existing
    one) and an auto-named role that only tokens with the configured audience and subjects
    may assume with ``sts:AssumeRoleWithWebIdentity``: no long-lived credential exists.
    ``iam-user``: for platforms without OIDC, an auto-named user with the same policy, and an
    access key only when ``createAccessKey`` asks; its secret is a Pulumi secret output.
    Neither may ``secretsmanager:ListSecrets`` (it cannot be scoped, and reading a known
    secret does not need it), and kms:Decrypt works only through Secrets Manager, for
    secrets under the prefix.
    """

    role_arn: pulumi.Output[str] | None = None
    provider_arn: pulumi.Output[str] | None = None
    user_name: pulumi.Output[str] | None = None
    access_key_id: pulumi.Output[str] | None = None
    secret_access_key: pulumi.Output[str] | None = None

    def __init__(
        self, name: str, settings: ExternalSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:external:ExternalSecretReader", name, None, opts)
        if settings.secret_prefix is None:
            raise ValueError("an external reader needs a secret prefix")
        child = pulumi.ResourceOptions(parent=self)
        self.secrets_arn = pulumi.Output.concat(
            "arn:",
            platform.partition,
            ":secretsmanager:",
            platform.region,
            ":",
            platform.account_id,
            ":secret:",
            settings.secret_prefix,
        )
        policy = iam.policy_document(read_statements(settings, platform, self.secrets_arn))
        description = (
            f"{platform.project}/{platform.stack} {name}: reads secrets {settings.secret_prefix} from outside AWS"
        )
        if settings.mode == "oidc":
            self._oidc(name, settings, policy, description, child)
        else:
            self._user(name, settings, policy, child)
        self.register_outputs(
            {
                "roleArn": self.role_arn,
                "providerArn": self.provider_arn,
                "userName": self.user_name,
                "accessKeyId": self.access_key_id,
                "secretAccessKey": self.secret_access_key,
                "secretsArn": self.secrets_arn,
            }
        )

    def exports(self) -> dict[str, pulumi.Output[str]]:
        """The stack outputs of this mode (the access key's secret stays a secret)."""
        values = {
            "RoleArn": self.role_arn,
            "ProviderArn": self.provider_arn,
            "UserName": self.user_name,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        return {key: value for key, value in values.items() if value is not None}

    def _oidc(
        self,
        name: str,
        settings: ExternalSettings,
        policy: pulumi.Output[str],
        description: str,
        child: pulumi.ResourceOptions,
    ) -> None:
        assert settings.issuer_url is not None
        if settings.provider_arn:
            provider_arn: pulumi.Output[str] = pulumi.Output.from_input(settings.provider_arn)
        else:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc",
                url=settings.issuer_url,
                client_id_lists=[settings.audience],
                thumbprint_lists=settings.thumbprints or None,
                opts=child,
            )
            provider_arn = provider.arn
        role = aws.iam.Role(
            f"{name}-role",
            description=description,
            max_session_duration=settings.max_session_seconds,
            assume_role_policy=iam.policy_document(
                [iam.web_identity_trust(provider_arn, settings.issuer_url, settings.audience, settings.subjects)]
            ),
            opts=child,
        )
        aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy, opts=child)
        self.role_arn, self.provider_arn = role.arn, provider_arn

    def _user(
        self, name: str, settings: ExternalSettings, policy: pulumi.Output[str], child: pulumi.ResourceOptions
    ) -> None:
        user = aws.iam.User(f"{name}-user", path="/external/", opts=child)
        aws.iam.UserPolicy(f"{name}-policy", user=user.name, policy=policy, opts=child)
        self.user_name = user.name
        if settings.create_access_key:
            key = aws.iam.AccessKey(f"{name}-key", user=user.name, opts=child)
            self.access_key_id = key.id
            self.secret_access_key = pulumi.Output.secret(key.secret)


def read_statements(
    settings: ExternalSettings, platform: Platform, secrets_arn: pulumi.Input[str]
) -> list[iam.Statement]:
    """GetSecretValue and DescribeSecret under the prefix; kms:Decrypt via Secrets Manager only."""
    keys: list[pulumi.Input[str]] = list(settings.kms_key_arns) or [
        pulumi.Output.concat("arn:", platform.partition, ":kms:", platform.region, ":", platform.account_id, ":key/*")
    ]
    return [
        iam.allow(READ_ACTIONS, [secrets_arn], sid="ReadSecretsUnderPrefix"),
        decrypt_via_secrets_manager(
            keys, platform.region, conditions={"StringLike": {"kms:EncryptionContext:SecretARN": secrets_arn}}
        ),
    ]
