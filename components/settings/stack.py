"""All settings of one stack: one section per system, plus the stack's identity and tags."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.settings.base import PROJECT, Settings
from components.settings.database import DatabaseSettings
from components.settings.external import ExternalSettings
from components.settings.functions import FunctionSettings
from components.settings.jwks import JwksSettings
from components.settings.layers import LayersSettings
from components.settings.network import NetworkSettings
from components.settings.notifications import NotificationSettings
from components.settings.observability import ObservabilitySettings
from components.settings.protection import ProtectionSettings
from components.settings.tvm import TvmSettings

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")


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
