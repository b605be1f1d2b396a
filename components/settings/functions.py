"""Defaults of every ServiceFunction (``iam-platform:functions``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.settings.base import KmsKeyArn, Settings


class FunctionSettings(Settings):
    """Defaults for every ServiceFunction."""

    runtime: Literal["python3.12", "python3.13"] = "python3.12"
    architecture: Literal["arm64", "x86_64"] = "arm64"
    memory_mb: int = Field(256, ge=128, le=10240)
    timeout_seconds: int = Field(10, ge=1, le=900)
    powertools_layer_version: int = Field(27, ge=1)
    environment_kms_key_arn: KmsKeyArn | None = None
