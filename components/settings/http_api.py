"""Throttling of an API's stage, a part of the jwks, tvm and layers sections."""

from __future__ import annotations

from pydantic import Field

from components.settings.base import Settings


class ThrottleSettings(Settings):
    rate_limit: float = Field(50, gt=0, le=10000)
    burst_limit: int = Field(100, ge=1, le=5000)
