"""Settings of the token vending machine (``iam-platform:tvm``): profiles, their rules and
permissions, the identity sources the TVM believes, and its alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, PrivateAttr, StringConstraints, ValidationInfo, field_validator, model_validator

from components.settings.base import (
    PROJECT_DIR,
    AccountIds,
    IamActions,
    ManagedPolicyArns,
    ProfileName,
    RoleArns,
    Settings,
)
from components.settings.http_api import ThrottleSettings
from lambdas.tvm.rules import RulesDocumentError, validate_rules

_PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/placeholder"

StatementSid = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,64}$")]
SourceIdentityPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,@_-]{1,20}$")]
ParameterPath = Annotated[str, StringConstraints(pattern=r"^(/[A-Za-z0-9_.-]+){1,10}$")]


class StatementSettings(Settings):
    """One identity-policy statement of a protected role."""

    actions: IamActions = Field(min_length=1)
    resources: list[str] = Field(min_length=1)
    effect: Literal["Allow", "Deny"] = "Allow"
    conditions: dict[str, dict[str, Any]] = {}
    sid: StatementSid | None = None


class RolePermissions(Settings):
    """What a protected role may do: managed policies, inline statements, or both."""

    managed_policy_arns: ManagedPolicyArns = []
    statements: list[StatementSettings] = []

    @model_validator(mode="after")
    def _something_allowed(self) -> RolePermissions:
        if not self.managed_policy_arns and not self.statements:
            raise ValueError("give managedPolicyArns, statements, or both")
        return self


class TvmProfileSettings(Settings):
    """One profile: who may get credentials (rules), and what the credentials may do."""

    name: ProfileName
    rules: dict[str, Any] | None = None
    rules_file: str | None = None
    permissions: RolePermissions
    max_duration_seconds: int = Field(3600, ge=900, le=43200)
    _file_rules: Any = PrivateAttr(None)  # rulesFile's content, read once against the project folder

    @model_validator(mode="after")
    def _one_rules_source(self, info: ValidationInfo) -> TvmProfileSettings:
        if (self.rules is None) == (self.rules_file is None):
            raise ValueError(f"profile {self.name}: give exactly one of rules and rulesFile")
        if self.rules_file is not None:
            self._file_rules = _read_rules_file(self.rules_file, (info.context or {}).get("project_dir", PROJECT_DIR))
        self.rules_document()  # validates now, so a bad rule fails the preview
        return self

    def rules_document(self, role_arn: str = _PLACEHOLDER_ROLE) -> dict[str, Any]:
        """The document the TVM reads: the rules, plus this profile's role and maximum."""
        rules = self.rules if self.rules is not None else self._file_rules
        if not isinstance(rules, dict):
            raise ValueError(f"profile {self.name}: the rules must be a mapping with a rules list")
        reserved = sorted({"role_arn", "max_duration"} & rules.keys())
        if reserved:
            raise ValueError(f"profile {self.name}: {', '.join(reserved)} come from the profile, not the rules")
        document = {"version": 1, **rules, "role_arn": _PLACEHOLDER_ROLE, "max_duration": self.max_duration_seconds}
        try:
            validate_rules(document)
        except RulesDocumentError as error:
            raise ValueError(f"profile {self.name}: {error}") from None
        return {**document, "role_arn": role_arn}


def _read_rules_file(path: str, project_dir: Path) -> Any:
    file = Path(project_dir) / path
    if not file.is_file():
        raise ValueError(f"rulesFile {path!r} not found (paths are relative to the project folder)")
    try:
        return yaml.safe_load(file.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"rulesFile {path}: not YAML or JSON ({error.__class__.__name__})") from None


class TvmAlarmSettings(Settings):
    error_rate_percent: float = Field(1.0, gt=0, le=100)
    p99_duration_ms: int = Field(500, ge=1, le=900000)
    concurrency_percent: float = Field(80.0, gt=0, le=100)


class TvmIamUserSource(Settings):
    """IAM users: their names are set by the account's administrators, not by the caller."""

    enabled: bool = True
    accounts: AccountIds = []  # empty: the stack's own account


class TvmIdentityCenterSource(Settings):
    """IAM Identity Center sessions of the stack's account (session names set by Identity Center)."""

    enabled: bool = True


class TvmIdentitySettings(Settings):
    """Whom the TVM believes (``lambdas/tvm/identity.py``): never a session name the caller chose."""

    iam_users: TvmIamUserSource = TvmIamUserSource()
    identity_center: TvmIdentityCenterSource = TvmIdentityCenterSource()
    roles: RoleArns = []  # roles of the stack's account whose trust pins sts:RoleSessionName

    @model_validator(mode="after")
    def _some_source(self) -> TvmIdentitySettings:
        if not (self.iam_users.enabled or self.identity_center.enabled or self.roles):
            raise ValueError("the TVM needs at least one identity source")
        return self

    def environment(self) -> str:
        """The ``TVM_IDENTITIES`` value the function reads."""
        return json.dumps(
            {
                "iamUsers": {"enabled": self.iam_users.enabled, "accounts": self.iam_users.accounts},
                "identityCenter": {"enabled": self.identity_center.enabled},
                "roles": self.roles,
            },
            sort_keys=True,
        )

    def names(self) -> list[str]:
        """The sources in words, for outputs and reports."""
        names = []
        if self.iam_users.enabled:
            names.append(f"iam-user ({', '.join(self.iam_users.accounts) or 'this account'})")
        if self.identity_center.enabled:
            names.append("sso (IAM Identity Center)")
        names += [f"role {arn}" for arn in self.roles]
        return names


class TvmSettings(Settings):
    """The token vending machine (off unless enabled; it needs at least one profile)."""

    enabled: bool = False
    profiles: list[TvmProfileSettings] = []
    default_duration_seconds: int = Field(900, ge=900, le=43200)
    source_identity_prefix: SourceIdentityPrefix = "sentinel"
    parameter_root: ParameterPath = "/sentinel/policies"
    approval_ttl_seconds: int = Field(3600, ge=60, le=86400)
    rules_cache_seconds: int = Field(30, ge=0, le=3600)
    reserved_concurrency: int | None = Field(None, ge=1, le=1000)
    throttle: ThrottleSettings = ThrottleSettings(rate_limit=10, burst_limit=20)
    alarms: TvmAlarmSettings = TvmAlarmSettings()
    identities: TvmIdentitySettings = TvmIdentitySettings()

    @field_validator("profiles")
    @classmethod
    def _unique_profiles(cls, profiles: list[TvmProfileSettings]) -> list[TvmProfileSettings]:
        names = [p.name for p in profiles]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"profile names must be unique: {', '.join(duplicates)}")
        return profiles

    @model_validator(mode="after")
    def _profiles_when_enabled(self) -> TvmSettings:
        if self.enabled and not self.profiles:
            raise ValueError("an enabled TVM needs at least one profile")
        return self
