"""Settings of logs, alarms and tracing (``iam-platform:observability``)."""

from __future__ import annotations

from pydantic import field_validator

from components.settings.base import Settings

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


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
