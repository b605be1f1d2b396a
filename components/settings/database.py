"""Settings of the Aurora database and its credential rotation (``iam-platform:database``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from components.settings.base import AuroraMysqlVersion, CronExpression, LayerArn, Semver, Settings

# Characters the RDS master password may not contain, besides space: always excluded.
RDS_FORBIDDEN_PASSWORD_CHARACTERS = '/"@'

# AWS's SecretsManagerRDSMySQLRotationMultiUser alternates between a user and <user>_clone and
# refuses a clone name longer than its environment's USERNAME_CHARACTER_LIMIT, default 16 (the
# function comes from the SAR application, whose environment this program does not set);
# aws-samples/aws-secrets-manager-rotation-lambdas,
# SecretsManagerRDSMySQLRotationMultiUser/lambda_function.py, create_secret and get_alt_username,
# commit b4b8eca63e1f61bbcfb18c291b640f4fc3b0deb8.
CLONE_SUFFIX = "_clone"
ROTATION_USERNAME_LIMIT = 16
MAX_APP_USERNAME = ROTATION_USERNAME_LIMIT - len(CLONE_SUFFIX)

DatabaseName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
MasterUsername = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")]
AppUsername = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]  # length: _clone_fits


class RotationSettings(Settings):
    """How and when the database credentials rotate."""

    strategy: Literal["single-user", "alternating-users", "rds-managed"] = "single-user"
    every_days: int | None = Field(None, ge=1, le=1000)
    cron: CronExpression | None = None
    window_hours: int | None = Field(None, ge=1, le=24)
    application_version: Semver = "1.1.671"
    exclude_characters: str = Field("\"@/\\'", max_length=64)
    app_username: AppUsername = "app"

    @field_validator("app_username")
    @classmethod
    def _clone_fits(cls, name: str) -> str:
        if len(name) > MAX_APP_USERNAME:
            raise ValueError(
                f"at most {MAX_APP_USERNAME} characters: the alternating-users rotation function "
                f"clones the user as <name>{CLONE_SUFFIX} and refuses clone names over "
                f"{ROTATION_USERNAME_LIMIT} characters"
            )
        if name.endswith(CLONE_SUFFIX):
            raise ValueError(
                f"must not end in {CLONE_SUFFIX}: the alternating-users rotation function takes "
                f"such a name for the clone of <name without {CLONE_SUFFIX}>"
            )
        return name

    @model_validator(mode="after")
    def _one_schedule(self) -> RotationSettings:
        if self.cron is not None and self.every_days is not None:
            raise ValueError("set either everyDays or cron, not both")
        if self.window_hours is not None and self.cron is None:
            raise ValueError("windowHours needs a cron schedule")
        return self

    @property
    def schedule_expression(self) -> str:
        return self.cron or f"rate({self.every_days or 30} days)"

    @property
    def duration(self) -> str | None:
        return f"{self.window_hours}h" if self.window_hours else None


class DatabaseSettings(Settings):
    """Aurora MySQL Serverless v2 with rotated credentials and an example consumer."""

    enabled: bool = False
    engine_version: AuroraMysqlVersion = "8.0.mysql_aurora.3.08.0"
    database_name: DatabaseName = "app"
    master_username: MasterUsername = "dbadmin"
    min_capacity: float = Field(0.5, ge=0, le=256, multiple_of=0.5)
    max_capacity: float = Field(4, ge=1, le=256, multiple_of=0.5)
    readers: int = Field(0, ge=0, le=15)
    backup_retention_days: int = Field(7, ge=1, le=35)
    final_snapshot: bool = False
    log_exports: list[Literal["audit", "error", "general", "slowquery"]] = ["audit", "error", "slowquery"]
    rotation: RotationSettings = RotationSettings()
    credentials_ttl_seconds: int = Field(300, ge=0, le=3600)
    secrets_extension_layer_arn: LayerArn | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> DatabaseSettings:
        if (info.context or {}).get("stack") == "prod" and self.enabled and not self.final_snapshot:
            raise ValueError("the prod stack must set finalSnapshot: true")
        if self.min_capacity > self.max_capacity:
            raise ValueError("minCapacity must not exceed maxCapacity")
        if self.master_username == self.rotation.app_username:
            raise ValueError("rotation.appUsername must differ from masterUsername")
        return self
