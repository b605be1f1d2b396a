"""Settings of logs, alarms and tracing (``iam-platform:observability``)."""

from __future__ import annotations

from pydantic import field_validator

from components.settings.base import Settings
from policies.aws_values import LOG_RETENTION_DAYS


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
