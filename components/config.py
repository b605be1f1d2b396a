"""Typed stack settings: the only code that reads the stack's configuration.

Every setting lives under the project's namespace in ``Pulumi.<stack>.yaml`` as one
structured value per section, for example::

    iam-platform:jwks:
      cacheTtlSeconds: 300

``load_stack_config()`` reads them once and returns a validated, frozen ``StackConfig``.
Bad settings raise ``StackConfigError`` before any resource is declared, with one line per
problem naming the key as written in the stack file, the value and the rule it breaks.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Optional

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

PROJECT = "iam-platform"  # the default only: the running program's name comes from Pulumi.yaml
REGION_KEY = "aws:region"
# Namespaces a stack's config may use: the project's and those of the providers the program uses.
PROVIDER_NAMESPACES = ("aws", "pulumi", "random")
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
_SECRET_NAME = r"^[A-Za-z0-9/_+=.@-]{1,512}$"
_VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
_SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
_LAYER_ARN = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d{1,8}$"
_SEMVER = r"^\d{1,4}\.\d{1,4}\.\d{1,6}$"
_AURORA_MYSQL_VERSION = r"^\d\.\d{2}\.mysql_aurora\.\d{1,2}\.\d{2}\.\d{1,2}$"
_CRON = r"^cron\([^()]{9,200}\)$"
# Characters the RDS master password may not contain, besides space: always excluded.
RDS_FORBIDDEN_PASSWORD_CHARACTERS = "/\"@"
# A foundation model id (provider.model[:version]); inference profiles are not supported.
_INFERENCE_PROFILE_PREFIXES = frozenset({"us", "us-gov", "eu", "apac", "ap", "jp", "au", "ca", "global"})
_BEDROCK_MODEL_ID = r"^[a-z0-9-]{2,32}\.[A-Za-z0-9.:_-]{1,200}$"
# A secret-name prefix ending in "/*": at least one path segment, no other wildcard.
_SECRET_PREFIX = r"^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]{0,500}/\*$"
_ISSUER_URL = r"^https://[a-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"
_OIDC_PROVIDER_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$"
_THUMBPRINT = r"^[0-9a-fA-F]{40}$"


class Settings(BaseModel):
    """Base of every section: camelCase keys, unknown keys refused, values frozen."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid", frozen=True)


class NotificationSettings(Settings):
    """Where alarms go: the stack's SNS topic, with an optional e-mail subscription."""

    email: Optional[str] = Field(None, pattern=_EMAIL)


class ObservabilitySettings(Settings):
    log_retention_days: int = 14
    alarms_enabled: bool = False
    tracing: bool = True

    @field_validator("log_retention_days")
    @classmethod
    def _supported_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of CloudWatch's retention periods {list(LOG_RETENTION_DAYS)}")
        return days


PROD_SECRET_RECOVERY_DAYS = 30


class ProtectionSettings(Settings):
    """How hard stateful resources are to delete (strict in prod)."""

    deletion_protection: bool = Field(False, validate_default=True)
    # 0 deletes a secret at once (ForceDeleteWithoutRecovery), so a destroyed stack can be brought
    # up again with the same secret names; 7-30 keeps a deleted secret, and its name, that long.
    # Unset: 0 outside prod, 30 (Secrets Manager's own default) in prod.
    secret_recovery_days: int = Field(0, ge=0, le=30)

    @model_validator(mode="before")
    @classmethod
    def _recovery_default(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and not {"secretRecoveryDays", "secret_recovery_days"} & data.keys():
            prod = (info.context or {}).get("stack") == "prod"
            return {**data, "secretRecoveryDays": PROD_SECRET_RECOVERY_DAYS if prod else 0}
        return data

    @field_validator("deletion_protection")
    @classmethod
    def _prod_is_protected(cls, enabled: bool, info: ValidationInfo) -> bool:
        if (info.context or {}).get("stack") == "prod" and not enabled:
            raise ValueError("the prod stack must set deletionProtection: true")
        return enabled

    @field_validator("secret_recovery_days")
    @classmethod
    def _recovery_window(cls, days: int, info: ValidationInfo) -> int:
        if 0 < days < 7:
            raise ValueError("must be 0 (delete at once) or 7-30 days, as Secrets Manager allows")
        if (info.context or {}).get("stack") == "prod" and days == 0:
            raise ValueError("the prod stack must set a recovery window of 7-30 days (0 deletes secrets at once)")
        return days


class FunctionSettings(Settings):
    """Defaults for every ServiceFunction."""

    runtime: Literal["python3.12", "python3.13"] = "python3.12"
    architecture: Literal["arm64", "x86_64"] = "arm64"
    memory_mb: int = Field(256, ge=128, le=10240)
    timeout_seconds: int = Field(10, ge=1, le=900)
    powertools_layer_version: int = Field(27, ge=1)
    environment_kms_key_arn: Optional[str] = Field(None, pattern=_KMS_KEY_ARN)


class ThrottleSettings(Settings):
    rate_limit: float = Field(50, gt=0, le=10000)
    burst_limit: int = Field(100, ge=1, le=5000)


class JwksSettings(Settings):
    enabled: bool = True
    secret_name: Optional[str] = Field(None, pattern=_SECRET_NAME)
    cache_ttl_seconds: int = Field(600, ge=0, le=86400)
    fallback_keys: Optional[list[dict[str, Any]]] = None
    reserved_concurrency: Optional[int] = Field(None, ge=1, le=1000)
    throttle: ThrottleSettings = ThrottleSettings()

    @field_validator("fallback_keys")
    @classmethod
    def _public_keys_only(cls, keys: Optional[list[dict[str, Any]]]) -> Optional[list[dict[str, Any]]]:
        for key in keys or ():
            private = sorted(PRIVATE_JWK_MEMBERS & key.keys())
            if private or key.get("kty") == "oct":
                raise ValueError(f"key {key.get('kid', '?')!r} holds private material "
                                 f"({', '.join(private) or 'kty oct'}); fallback keys must be public")
            if not key.get("kid") or not key.get("kty"):
                raise ValueError("every fallback key needs kty and kid")
        return keys


class NetworkSettings(Settings):
    """The network the database lives in: a private VPC of our own unless ``vpcId`` and
    ``subnetIds`` name an existing one."""

    vpc_id: Optional[str] = Field(None, pattern=_VPC_ID)
    subnet_ids: Optional[list[Annotated[str, Field(pattern=_SUBNET_ID)]]] = Field(None, min_length=2, max_length=6)
    cidr_block: str = "10.20.0.0/16"
    availability_zones: int = Field(2, ge=2, le=3)
    secrets_manager_endpoint: bool = True

    @field_validator("cidr_block")
    @classmethod
    def _private_cidr(cls, cidr: str) -> str:
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            raise ValueError("must be an IPv4 network such as 10.20.0.0/16") from None
        if not network.is_private or not 16 <= network.prefixlen <= 22:
            raise ValueError("must be a private range with a prefix from /16 to /22")
        return str(network)

    @model_validator(mode="after")
    def _both_or_neither(self) -> "NetworkSettings":
        if (self.vpc_id is None) != (self.subnet_ids is None):
            raise ValueError("set vpcId and subnetIds together, or neither (a private VPC is created)")
        if self.subnet_ids is not None and len(set(self.subnet_ids)) != len(self.subnet_ids):
            raise ValueError("subnetIds must not repeat a subnet")
        if not self.secrets_manager_endpoint and self.vpc_id is None:
            raise ValueError("secretsManagerEndpoint: false needs vpcId and subnetIds: the VPC this program "
                             "creates has no internet route, so only its own endpoint reaches Secrets Manager")
        return self


# AWS's SecretsManagerRDSMySQLRotationMultiUser alternates between a user and <user>_clone and
# refuses a clone name longer than its environment's USERNAME_CHARACTER_LIMIT, default 16 (the
# function comes from the SAR application, whose environment this program does not set);
# aws-samples/aws-secrets-manager-rotation-lambdas,
# SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py, create_secret and get_alt_username,
# commit b4b8eca63e1f61bbcfb18c291b640f4fc3b0deb8.
CLONE_SUFFIX = "_clone"
ROTATION_USERNAME_LIMIT = 16
MAX_APP_USERNAME = ROTATION_USERNAME_LIMIT - len(CLONE_SUFFIX)


class RotationSettings(Settings):
    """How and when the database credentials rotate."""

    strategy: Literal["single-user", "alternating-users", "rds-managed"] = "single-user"
    every_days: Optional[int] = Field(None, ge=1, le=1000)
    cron: Optional[str] = Field(None, pattern=_CRON)
    window_hours: Optional[int] = Field(None, ge=1, le=24)
    application_version: str = Field("1.1.671", pattern=_SEMVER)
    exclude_characters: str = Field("\"@/\\'", max_length=64)
    app_username: str = Field("app", pattern=r"^[A-Za-z][A-Za-z0-9_]*$")  # length: _clone_fits

    @field_validator("app_username")
    @classmethod
    def _clone_fits(cls, name: str) -> str:
        if len(name) > MAX_APP_USERNAME:
            raise ValueError(f"at most {MAX_APP_USERNAME} characters: the alternating-users rotation function "
                             f"clones the user as <name>{CLONE_SUFFIX} and refuses clone names over "
                             f"{ROTATION_USERNAME_LIMIT} characters")
        if name.endswith(CLONE_SUFFIX):
            raise ValueError(f"must not end in {CLONE_SUFFIX}: the alternating-users rotation function takes "
                             f"such a name for the clone of <name without {CLONE_SUFFIX}>")
        return name

    @model_validator(mode="after")
    def _one_schedule(self) -> "RotationSettings":
        if self.cron is not None and self.every_days is not None:
            raise ValueError("set either everyDays or cron, not both")
        if self.window_hours is not None and self.cron is None:
            raise ValueError("windowHours needs a cron schedule")
        return self

    @property
    def schedule_expression(self) -> str:
        return self.cron or f"rate({self.every_days or 30} days)"

    @property
    def duration(self) -> Optional[str]:
        return f"{self.window_hours}h" if self.window_hours else None


class DatabaseSettings(Settings):
    """Aurora MySQL Serverless v2 with rotated credentials and an example consumer."""

    enabled: bool = False
    engine_version: str = Field("8.0.mysql_aurora.3.08.0", pattern=_AURORA_MYSQL_VERSION)
    database_name: str = Field("app", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    master_username: str = Field("dbadmin", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
    min_capacity: float = Field(0.5, ge=0, le=256, multiple_of=0.5)
    max_capacity: float = Field(4, ge=1, le=256, multiple_of=0.5)
    readers: int = Field(0, ge=0, le=15)
    backup_retention_days: int = Field(7, ge=1, le=35)
    final_snapshot: bool = False
    log_exports: list[Literal["audit", "error", "general", "slowquery"]] = ["audit", "error", "slowquery"]
    rotation: RotationSettings = RotationSettings()
    credentials_ttl_seconds: int = Field(300, ge=0, le=3600)
    secrets_extension_layer_arn: Optional[str] = Field(None, pattern=_LAYER_ARN)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "DatabaseSettings":
        if (info.context or {}).get("stack") == "prod" and self.enabled and not self.final_snapshot:
            raise ValueError("the prod stack must set finalSnapshot: true")
        if self.min_capacity > self.max_capacity:
            raise ValueError("minCapacity must not exceed maxCapacity")
        if self.master_username == self.rotation.app_username:
            raise ValueError("rotation.appUsername must differ from masterUsername")
        return self


PROJECT_DIR = Path(__file__).resolve().parent.parent
_PROFILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_MANAGED_POLICY_ARN = r"^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9_+=,.@/-]{1,512}$"
_PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/placeholder"


class StatementSettings(Settings):
    """One identity-policy statement of a protected role."""

    actions: list[str] = Field(min_length=1)
    resources: list[str] = Field(min_length=1)
    effect: Literal["Allow", "Deny"] = "Allow"
    conditions: dict[str, dict[str, Any]] = {}
    sid: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9]{1,64}$")

    @field_validator("actions")
    @classmethod
    def _action_shape(cls, actions: list[str]) -> list[str]:
        for action in actions:
            if action != "*" and not re.match(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$", action):
                raise ValueError(f"{action!r} is not an IAM action such as s3:GetObject")
        return actions


class RolePermissions(Settings):
    """What a protected role may do: managed policies, inline statements, or both."""

    managed_policy_arns: list[str] = []
    statements: list[StatementSettings] = []

    @field_validator("managed_policy_arns")
    @classmethod
    def _policy_arns(cls, arns: list[str]) -> list[str]:
        for arn in arns:
            if not re.match(_MANAGED_POLICY_ARN, arn):
                raise ValueError(f"{arn!r} is not a managed policy ARN")
        return arns

    def model_post_init(self, _context: Any) -> None:
        if not self.managed_policy_arns and not self.statements:
            raise ValueError("give managedPolicyArns, statements, or both")


class TvmProfileSettings(Settings):
    """One profile: who may get credentials (rules), and what the credentials may do."""

    name: str = Field(pattern=_PROFILE_NAME)
    rules: Optional[dict[str, Any]] = None
    rules_file: Optional[str] = None
    permissions: RolePermissions
    max_duration_seconds: int = Field(3600, ge=900, le=43200)
    _file_rules: Any = PrivateAttr(None)  # rulesFile's content, read once against the project folder

    @model_validator(mode="after")
    def _one_rules_source(self, info: ValidationInfo) -> "TvmProfileSettings":
        if (self.rules is None) == (self.rules_file is None):
            raise ValueError(f"profile {self.name}: give exactly one of rules and rulesFile")
        if self.rules_file is not None:
            self._file_rules = _read_rules_file(self.rules_file, (info.context or {}).get("project_dir", PROJECT_DIR))
        self.rules_document()   # validates now, so a bad rule fails the preview
        return self

    def rules_document(self, role_arn: str = _PLACEHOLDER_ROLE) -> dict[str, Any]:
        """The document the TVM reads: the rules, plus this profile's role and maximum."""
        from lambdas.tvm.rules import RulesDocumentError, validate_rules

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
    import yaml

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
    accounts: list[str] = []     # empty: the stack's own account

    @field_validator("accounts")
    @classmethod
    def _account_ids(cls, accounts: list[str]) -> list[str]:
        for account in accounts:
            if not re.fullmatch(r"[0-9]{12}", account):
                raise ValueError(f"{account!r} is not a 12-digit account id")
        return accounts


class TvmIdentityCenterSource(Settings):
    """IAM Identity Center sessions of the stack's account (session names set by Identity Center)."""

    enabled: bool = True


class TvmIdentitySettings(Settings):
    """Whom the TVM believes (``lambdas/tvm/identity.py``): never a session name the caller chose."""

    iam_users: TvmIamUserSource = TvmIamUserSource()
    identity_center: TvmIdentityCenterSource = TvmIdentityCenterSource()
    roles: list[str] = []       # roles of the stack's account whose trust pins sts:RoleSessionName

    @field_validator("roles")
    @classmethod
    def _role_arns(cls, roles: list[str]) -> list[str]:
        for arn in roles:
            if not re.fullmatch(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", arn,
                                re.ASCII):
                raise ValueError(f"{arn!r} is not an IAM role ARN")
        return roles

    @model_validator(mode="after")
    def _some_source(self) -> "TvmIdentitySettings":
        if not (self.iam_users.enabled or self.identity_center.enabled or self.roles):
            raise ValueError("the TVM needs at least one identity source")
        return self

    def environment(self) -> str:
        """The ``TVM_IDENTITIES`` value the function reads."""
        return json.dumps({"iamUsers": {"enabled": self.iam_users.enabled, "accounts": self.iam_users.accounts},
                           "identityCenter": {"enabled": self.identity_center.enabled},
                           "roles": self.roles}, sort_keys=True)

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
    source_identity_prefix: str = Field("sentinel", pattern=r"^[A-Za-z0-9+=,@_-]{1,20}$")
    parameter_root: str = Field("/sentinel/policies", pattern=r"^(/[A-Za-z0-9_.-]+){1,10}$")
    approval_ttl_seconds: int = Field(3600, ge=60, le=86400)
    rules_cache_seconds: int = Field(30, ge=0, le=3600)
    reserved_concurrency: Optional[int] = Field(None, ge=1, le=1000)
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
    def _profiles_when_enabled(self) -> "TvmSettings":
        if self.enabled and not self.profiles:
            raise ValueError("an enabled TVM needs at least one profile")
        return self


class RolloutSettings(Settings):
    """Share of Slack conversations the verification layer sends through the REST API."""

    api_gateway_percent: int = Field(0, ge=0, le=100)


class LayerAlarmSettings(Settings):
    """Thresholds of the layers' alarms, each over one ``periodSeconds`` window."""

    period_seconds: int = Field(300, ge=60, le=3600, multiple_of=60)
    client_errors: int = Field(5, ge=1, le=100000)
    server_errors: int = Field(1, ge=1, le=100000)
    latency_p99_ms: int = Field(3000, ge=50, le=29000)
    dead_letters: int = Field(1, ge=1, le=100000)


class LayersSettings(Settings):
    """The Slack app's verification and execution layers (issue 3)."""

    enabled: bool = False
    rollout: RolloutSettings = RolloutSettings()
    bedrock_model_id: str = Field("anthropic.claude-3-haiku-20240307-v1:0", pattern=_BEDROCK_MODEL_ID)
    max_tokens: int = Field(512, ge=1, le=4096)
    signing_secret_name: Optional[str] = Field(None, pattern=_SECRET_NAME)
    bot_token_secret_name: Optional[str] = Field(None, pattern=_SECRET_NAME)
    slack_api_base_url: str = Field("https://slack.com/api", pattern=r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$",
                                    max_length=200)
    verification_timeout_seconds: int = Field(5, ge=3, le=30)
    execution_timeout_seconds: int = Field(60, ge=5, le=900)
    verification_reserved_concurrency: Optional[int] = Field(None, ge=1, le=1000)
    execution_reserved_concurrency: Optional[int] = Field(None, ge=1, le=1000)
    async_retry_attempts: int = Field(0, ge=0, le=2)
    max_event_age_seconds: int = Field(3600, ge=60, le=21600)
    dead_letter_retention_days: int = Field(14, ge=1, le=14)
    throttle: ThrottleSettings = ThrottleSettings()
    alarms: LayerAlarmSettings = LayerAlarmSettings()
    # API Gateway refuses REST API access and execution logs until the account (per region)
    # names a CloudWatch role. One stack per account and region may manage that role
    # (manageApiGatewayAccount); restApiLogging: true says the role is already there.
    # Unset, logging follows manageApiGatewayAccount, so a fresh account deploys.
    manage_api_gateway_account: bool = False
    rest_api_logging: Optional[bool] = None

    @property
    def logs_rest_api(self) -> bool:
        return self.manage_api_gateway_account if self.rest_api_logging is None else self.rest_api_logging

    @model_validator(mode="after")
    def _logging_consistent(self) -> "LayersSettings":
        if self.manage_api_gateway_account and self.rest_api_logging is False:
            raise ValueError("restApiLogging: false contradicts manageApiGatewayAccount: true (the account role "
                             "exists only for REST API logs); drop one of them")
        return self

    @field_validator("bedrock_model_id")
    @classmethod
    def _foundation_model_only(cls, model_id: str) -> str:
        if model_id.split(".", 1)[0] in _INFERENCE_PROFILE_PREFIXES:
            raise ValueError("inference profiles are not supported; use a foundation model id "
                             "such as anthropic.claude-3-haiku-20240307-v1:0")
        return model_id
_OIDC_ONLY_FIELDS = frozenset({"issuer_url", "audience", "subjects", "allow_wildcard_subjects", "provider_arn",
                               "thumbprints", "max_session_seconds"})


class ExternalSettings(Settings):
    """Least-privilege read access to secrets under one prefix for a workload outside AWS."""

    enabled: bool = False
    mode: Literal["oidc", "iam-user"] = "oidc"
    # oidc: the platform's token issuer (for example https://oidc.fly.io/<org>), the audience
    # its tokens carry, and the subjects (workloads) that may assume the role.
    issuer_url: Optional[str] = Field(None, pattern=_ISSUER_URL, max_length=255)
    audience: str = Field("sts.amazonaws.com", min_length=1, max_length=255)
    subjects: list[str] = Field(default_factory=list, max_length=20)
    allow_wildcard_subjects: bool = False
    provider_arn: Optional[str] = Field(None, pattern=_OIDC_PROVIDER_ARN)
    thumbprints: list[str] = Field(default_factory=list, max_length=5)
    max_session_seconds: int = Field(3600, ge=900, le=43200)
    # Both modes: which secrets may be read, and the customer-managed keys encrypting them.
    secret_prefix: Optional[str] = Field(None, pattern=_SECRET_PREFIX)
    kms_key_arns: list[str] = Field(default_factory=list, max_length=10)
    # iam-user: an access key only when asked; its secret is exported as a Pulumi secret.
    create_access_key: bool = False

    @field_validator("subjects")
    @classmethod
    def _subjects_shape(cls, subjects: list[str]) -> list[str]:
        for subject in subjects:
            if not subject or len(subject) > 255 or subject.strip() != subject:
                raise ValueError(f"subject {subject!r} must be 1-255 characters without surrounding spaces")
        return subjects

    @field_validator("thumbprints")
    @classmethod
    def _thumbprint_shape(cls, thumbprints: list[str]) -> list[str]:
        for thumbprint in thumbprints:
            if not re.match(_THUMBPRINT, thumbprint):
                raise ValueError(f"thumbprint {thumbprint!r} must be 40 hexadecimal characters (SHA-1)")
        return [t.lower() for t in thumbprints]

    @field_validator("kms_key_arns")
    @classmethod
    def _key_arns(cls, arns: list[str]) -> list[str]:
        for arn in arns:
            if not re.match(_KMS_KEY_ARN, arn):
                raise ValueError(f"{arn!r} is not a KMS key ARN")
        return arns

    @model_validator(mode="after")
    def _complete_for_its_mode(self) -> "ExternalSettings":
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


class StackConfig(Settings):
    """All settings of one stack. Sections are what components receive."""

    project: str = PROJECT
    stack: str
    region: str
    tags: dict[str, str] = {}
    notifications: NotificationSettings = NotificationSettings()
    observability: ObservabilitySettings = ObservabilitySettings()
    # Validated from a dict even when absent, so prod's strictness check always runs.
    protection: ProtectionSettings = Field(default_factory=dict, validate_default=True)
    functions: FunctionSettings = FunctionSettings()
    jwks: JwksSettings = JwksSettings()
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    tvm: TvmSettings = TvmSettings()
    layers: LayersSettings = LayersSettings()
    external: ExternalSettings = ExternalSettings()

    @field_validator("region")
    @classmethod
    def _region_shape(cls, region: str) -> str:
        if not _REGION.match(region):
            raise ValueError("must be an AWS region name such as eu-west-1")
        return region

    @field_validator("tags")
    @classmethod
    def _tag_limits(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} must be 1-128 characters and not start with aws:")
            if len(value) > 256:
                raise ValueError(f"tag {key!r} value must be at most 256 characters")
        return tags

    @property
    def default_tags(self) -> dict[str, str]:
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi", **self.tags}


class StackConfigError(pulumi.RunError):
    """Bad stack settings: one line per problem. RunError prints without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack settings:\n" + "\n".join(problems))


def parse_stack_settings(stack: str, values: Mapping[str, Any],
                         secret_keys: frozenset[str] = frozenset(),
                         environ: Mapping[str, str] = os.environ,
                         project: str = PROJECT, project_dir: Path = PROJECT_DIR) -> StackConfig:
    """Validate raw config values (fully qualified keys) into a StackConfig. ``project`` (the name
    in Pulumi.yaml) is the settings' namespace; ``rulesFile`` paths are relative to ``project_dir``."""
    sections = {key.split(":", 1)[1]: _decode(value) for key, value in values.items()
                if key.startswith(f"{project}:")}
    blocked = {"project", "stack", "region"} & sections.keys()
    problems = [f"{project}:{name}: is not a setting (it is derived from the stack)" for name in sorted(blocked)]
    problems += _namespace_problems(values, project)
    region = values.get(REGION_KEY) or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region is None:
        problems.append(f"{REGION_KEY}: is required (set it in Pulumi.{stack}.yaml)")
    if problems:
        raise StackConfigError(problems)
    try:
        return StackConfig.model_validate({**sections, "project": project, "stack": stack, "region": region},
                                          context={"stack": stack, "project_dir": project_dir})
    except ValidationError as error:
        raise StackConfigError([_describe(e, secret_keys, project) for e in error.errors()]) from None


def _namespace_problems(values: Mapping[str, Any], project: str) -> list[str]:
    """A key under a namespace nobody reads (``iam-platfrom:jwks``) would be ignored without a word."""
    allowed = (project, *PROVIDER_NAMESPACES)
    return [f"{key}: unknown namespace {key.split(':', 1)[0]!r} (allowed: {', '.join(allowed)}; check the spelling)"
            for key in sorted(values) if key.split(":", 1)[0] not in allowed]


def load_stack_config() -> StackConfig:
    """Read the running stack's configuration once, validated."""
    values = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    secrets = frozenset(k for k in values if pulumi.runtime.config.is_config_secret(k))
    return parse_stack_settings(pulumi.get_stack(), values, secrets, project=pulumi.get_project(),
                                project_dir=_running_project_dir())


def _running_project_dir() -> Path:
    """Where Pulumi.yaml of the running program is: the engine's root directory, else the working
    directory (the CLI runs programs there), else this code's own project."""
    candidates = [pulumi.get_root_directory(), os.getcwd()]
    return next((Path(c) for c in candidates if c and (Path(c) / "Pulumi.yaml").is_file()), PROJECT_DIR)


def _decode(value: Any) -> Any:
    """Structured values arrive as JSON strings; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _describe(error: Mapping[str, Any], secret_keys: frozenset[str], project: str) -> str:
    # An unknown key is reported as the user spelled it; known fields by their alias.
    key = _config_key(error["loc"], project, as_written=error["type"] == "extra_forbidden")
    section_key = key.split(".", 1)[0]
    value = "[secret]" if section_key in secret_keys else _short(error.get("input"))
    rule = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        rule = "unknown setting (check the spelling)"
    return f"{key} = {value}: {rule}"


def _config_key(loc: tuple[Any, ...], project: str, as_written: bool) -> str:
    if loc == ("region",):
        return REGION_KEY
    name = (lambda part: part) if as_written else to_camel
    key = f"{project}:{name(loc[0])}"
    for part in loc[1:]:
        key += f"[{part}]" if isinstance(part, int) else f".{name(part)}"
    return key


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
