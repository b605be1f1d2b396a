"""Settings of the Slack app's verification and execution layers (``iam-platform:layers``)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from components.settings.base import BedrockModelId, HttpsApiUrl, SecretName, Settings
from components.settings.http_api import ThrottleSettings

# Model ids with these prefixes are cross-region inference profiles, not foundation models.
_INFERENCE_PROFILE_PREFIXES = frozenset({"us", "us-gov", "eu", "apac", "ap", "jp", "au", "ca", "global"})


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
    bedrock_model_id: BedrockModelId = "anthropic.claude-3-haiku-20240307-v1:0"
    max_tokens: int = Field(512, ge=1, le=4096)
    signing_secret_name: SecretName | None = None
    bot_token_secret_name: SecretName | None = None
    slack_api_base_url: HttpsApiUrl = "https://slack.com/api"
    verification_timeout_seconds: int = Field(5, ge=3, le=30)
    execution_timeout_seconds: int = Field(60, ge=5, le=900)
    verification_reserved_concurrency: int | None = Field(None, ge=1, le=1000)
    execution_reserved_concurrency: int | None = Field(None, ge=1, le=1000)
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
    rest_api_logging: bool | None = None

    @property
    def logs_rest_api(self) -> bool:
        return self.manage_api_gateway_account if self.rest_api_logging is None else self.rest_api_logging

    @model_validator(mode="after")
    def _logging_consistent(self) -> LayersSettings:
        if self.manage_api_gateway_account and self.rest_api_logging is False:
            raise ValueError(
                "restApiLogging: false contradicts manageApiGatewayAccount: true (the account role "
                "exists only for REST API logs); drop one of them"
            )
        return self

    @field_validator("bedrock_model_id")
    @classmethod
    def _foundation_model_only(cls, model_id: str) -> str:
        if model_id.split(".", 1)[0] in _INFERENCE_PROFILE_PREFIXES:
            raise ValueError(
                "inference profiles are not supported; use a foundation model id "
                "such as anthropic.claude-3-haiku-20240307-v1:0"
            )
        return model_id
