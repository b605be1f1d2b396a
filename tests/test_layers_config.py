"""The `iam-platform:layers` settings section."""

import pytest

from components.settings import StackConfigError, parse_stack_settings

REGION = {"aws:region": "eu-west-1"}


def problems(values: dict) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_settings("dev", {**REGION, **values}, environ={})
    return caught.value.problems


def test_defaults_are_off_and_on_the_old_path():
    layers = parse_stack_settings("dev", REGION, environ={}).layers
    assert not layers.enabled and layers.rollout.api_gateway_percent == 0
    assert layers.async_retry_attempts == 0 and layers.slack_api_base_url == "https://slack.com/api"


@pytest.mark.parametrize(
    "section,key",
    [
        ('{"rollout": {"apiGatewayPercent": 101}}', "iam-platform:layers.rollout.apiGatewayPercent"),
        ('{"rollout": {"apiGatewayPercent": -1}}', "iam-platform:layers.rollout.apiGatewayPercent"),
        ('{"slackApiBaseUrl": "http://slack.com/api"}', "iam-platform:layers.slackApiBaseUrl"),
        ('{"bedrockModelId": "eu.anthropic.claude:0 x"}', "iam-platform:layers.bedrockModelId"),
        ('{"bedrockModelId": "eu.anthropic.claude-3-haiku-20240307-v1:0"}', "iam-platform:layers.bedrockModelId"),
        ('{"asyncRetryAttempts": 3}', "iam-platform:layers.asyncRetryAttempts"),
        ('{"alarms": {"latencyP99Ms": 30000}}', "iam-platform:layers.alarms.latencyP99Ms"),
        ('{"alarms": {"periodSeconds": 90}}', "iam-platform:layers.alarms.periodSeconds"),
        ('{"verificationTimeoutSeconds": 60}', "iam-platform:layers.verificationTimeoutSeconds"),
        ('{"rollout": {"percent": 10}}', "iam-platform:layers.rollout.percent"),
    ],
)
def test_out_of_bounds_and_unknown_keys_are_named(section, key):
    [line] = problems({"iam-platform:layers": section})
    assert line.startswith(key + " = ")


def test_camel_case_keys_parse():
    layers = parse_stack_settings(
        "dev",
        {
            **REGION,
            "iam-platform:layers": (
                '{"enabled": true, "rollout": {"apiGatewayPercent": 50}, "maxTokens": 100,'
                ' "signingSecretName": "slack/signing", "alarms": {"clientErrors": 9}}'
            ),
        },
        environ={},
    ).layers
    assert (
        layers.rollout.api_gateway_percent,
        layers.max_tokens,
        layers.signing_secret_name,
        layers.alarms.client_errors,
    ) == (50, 100, "slack/signing", 9)
