from pathlib import Path

import pulumi
import pytest

from components.settings import StackConfigError, load_stack_config, parse_stack_settings
from preview.stack_files import read_stack_settings

REPO = Path(__file__).resolve().parent.parent
REGION = {"aws:region": "eu-west-1"}


def problems(stack: str, values: dict, secret_keys=frozenset()) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_settings(stack, {**REGION, **values}, secret_keys, environ={})
    return caught.value.problems


def test_dev_needs_no_setting_but_the_region():
    config = parse_stack_settings("dev", REGION, environ={})
    assert config.jwks.enabled and config.jwks.cache_ttl_seconds == 600
    assert config.observability.log_retention_days == 14
    assert config.functions.runtime == "python3.12"
    assert config.default_tags == {"project": "iam-platform", "stack": "dev", "managed-by": "pulumi"}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_stack_file_is_valid(stack):
    settings = read_stack_settings(REPO, stack)
    config = parse_stack_settings(stack, settings.config, environ={})
    assert config.stack == stack


def test_prod_file_holds_the_strict_values():
    config = parse_stack_settings("prod", read_stack_settings(REPO, "prod").config, environ={})
    assert config.protection.deletion_protection
    assert config.observability.alarms_enabled
    assert config.observability.log_retention_days >= 365


def test_out_of_range_value_names_key_value_and_rule():
    [line] = problems("dev", {"iam-platform:jwks": '{"cacheTtlSeconds": 999999}'})
    assert line.startswith("iam-platform:jwks.cacheTtlSeconds = 999999: ")
    assert "86400" in line


def test_unknown_section_and_unknown_nested_key_are_errors():
    lines = problems("dev", {"iam-platform:jwkz": '{"enabled": true}', "iam-platform:jwks": '{"cacheTTL": 5}'})
    assert sorted(line.split(" = ")[0] for line in lines) == ["iam-platform:jwks.cacheTTL", "iam-platform:jwkz"]
    assert all("unknown setting" in line for line in lines)


def test_one_line_per_problem():
    lines = problems(
        "dev",
        {
            "iam-platform:observability": '{"logRetentionDays": 13, "tracing": "maybe"}',
            "iam-platform:functions": '{"memoryMb": 64}',
        },
    )
    keys = sorted(line.split(" = ")[0] for line in lines)
    assert keys == [
        "iam-platform:functions.memoryMb",
        "iam-platform:observability.logRetentionDays",
        "iam-platform:observability.tracing",
    ]


def test_provider_keys_pass_through():
    config = parse_stack_settings(
        "dev", {**REGION, "aws:profile": "ops", "aws:skipMetadataApiCheck": "true"}, environ={}
    )
    assert config.region == "eu-west-1"


def test_bad_region_is_named_as_the_provider_key():
    [line] = problems("dev", {"aws:region": "europe"})
    assert line.startswith("aws:region = europe: ")


def test_missing_region_falls_back_to_the_environment_then_fails():
    assert parse_stack_settings("dev", {}, environ={"AWS_REGION": "us-east-2"}).region == "us-east-2"
    with pytest.raises(StackConfigError) as caught:
        parse_stack_settings("dev", {}, environ={})
    assert caught.value.problems == ["aws:region: is required (set it in Pulumi.dev.yaml)"]


def test_prod_refuses_missing_deletion_protection():
    [line] = problems("prod", {})
    assert line.startswith("iam-platform:protection.deletionProtection = false: ")


def test_fallback_keys_must_be_public():
    [line] = problems(
        "dev",
        {
            "iam-platform:jwks": '{"fallbackKeys": [{"kty": "RSA", "kid": "k1", "n": "x", '
            '"e": "AQAB", "d": "secret-exponent"}]}'
        },
    )
    assert line.startswith("iam-platform:jwks.fallbackKeys = ") and "private material (d)" in line


def test_secret_values_are_not_echoed():
    lines = problems(
        "dev",
        {"iam-platform:notifications": '{"email": "not-an-address-hunter2"}'},
        secret_keys=frozenset({"iam-platform:notifications"}),
    )
    assert lines == [lines[0]] and "hunter2" not in lines[0] and "[secret]" in lines[0]


def test_tags_follow_aws_limits():
    [line] = problems("dev", {"iam-platform:tags": '{"aws:owner": "me"}'})
    assert line.startswith("iam-platform:tags = ")


def load_running(monkeypatch, project: str):
    """load_stack_config() in project's dev stack whose config sets the region and a JWKS cache TTL."""
    pulumi.runtime.set_all_config({"aws:region": "eu-central-1", f"{project}:jwks": '{"cacheTtlSeconds": 30}'})
    monkeypatch.setattr(pulumi, "get_stack", lambda: "dev")
    monkeypatch.setattr(pulumi, "get_project", lambda: project)
    return load_stack_config()


def test_load_reads_the_running_stacks_config(monkeypatch):
    config = load_running(monkeypatch, "iam-platform")
    assert (config.region, config.jwks.cache_ttl_seconds) == ("eu-central-1", 30)


def test_the_namespace_is_the_running_projects_name(monkeypatch):
    config = load_running(monkeypatch, "acme-iam")
    assert (config.project, config.jwks.cache_ttl_seconds) == ("acme-iam", 30)
    with pytest.raises(StackConfigError) as caught:
        parse_stack_settings(
            "dev", {"aws:region": "eu-west-1", "iam-platform:jwks": "{}"}, environ={}, project="acme-iam"
        )
    assert caught.value.problems[0].startswith("iam-platform:jwks: unknown namespace 'iam-platform' (allowed: acme-iam")
