"""Settings of read access to secrets for a workload outside AWS (``iam-platform:external``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic.alias_generators import to_camel

from components.settings.base import (
    IssuerUrl,
    KmsKeyArns,
    OidcProviderArn,
    SecretPrefix,
    Settings,
    Subjects,
    Thumbprints,
)

_OIDC_ONLY_FIELDS = frozenset(
    {
        "issuer_url",
        "audience",
        "subjects",
        "allow_wildcard_subjects",
        "provider_arn",
        "thumbprints",
        "max_session_seconds",
    }
)


class ExternalSettings(Settings):
    """Least-privilege read access to secrets under one prefix for a workload outside AWS."""

    enabled: bool = False
    mode: Literal["oidc", "iam-user"] = "oidc"
    # oidc: the platform's token issuer (for example https://oidc.fly.io/<org>), the audience
    # its tokens carry, and the subjects (workloads) that may assume the role.
    issuer_url: IssuerUrl | None = None
    audience: str = Field("sts.amazonaws.com", min_length=1, max_length=255)
    subjects: Subjects = Field(default_factory=list, max_length=20)
    allow_wildcard_subjects: bool = False
    provider_arn: OidcProviderArn | None = None
    thumbprints: Thumbprints = Field(default_factory=list, max_length=5)
    max_session_seconds: int = Field(3600, ge=900, le=43200)
    # Both modes: which secrets may be read, and the customer-managed keys encrypting them.
    secret_prefix: SecretPrefix | None = None
    kms_key_arns: KmsKeyArns = Field(default_factory=list, max_length=10)
    # iam-user: an access key only when asked; its secret is exported as a Pulumi secret.
    create_access_key: bool = False

    @model_validator(mode="after")
    def _complete_for_its_mode(self) -> ExternalSettings:
        if not self.enabled:
            return self
        if self.secret_prefix is None:
            raise ValueError("secretPrefix is required when external access is enabled (e.g. team/app/*)")
        if self.mode == "oidc":
            if self.issuer_url is None:
                raise ValueError("issuerUrl is required in oidc mode")
            if not self.subjects:
                raise ValueError("subjects is required in oidc mode: name the workloads that may read")
            wild = [s for s in self.subjects if "*" in s or "?" in s]
            if wild and not self.allow_wildcard_subjects:
                raise ValueError(f"wildcard subject(s) {wild} need allowWildcardSubjects: true")
        else:
            oidc_only = sorted(to_camel(f) for f in self.model_fields_set & _OIDC_ONLY_FIELDS)
            if oidc_only:
                raise ValueError(f"{', '.join(oidc_only)} apply to oidc mode only")
        if self.create_access_key and self.mode != "iam-user":
            raise ValueError("createAccessKey applies to iam-user mode only")
        return self
