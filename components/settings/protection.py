"""Settings of how hard stateful resources are to delete (``iam-platform:protection``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.settings.base import Settings

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
