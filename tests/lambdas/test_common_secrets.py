"""The shared secret reader and TTL cache the Slack layers and the JWKS endpoint use."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lambdas.common.cache import TtlCache
from lambdas.common.secrets import SecretReadError, read_secret_field, read_secret_string


@pytest.fixture
def secrets(aws_env):
    with mock_aws():
        client = boto3.client("secretsmanager")
        for name, value in {
            "plain": "s3cret",
            "json": '{"botToken": "xoxb-1"}',
            "other": '{"x": "y"}',
            "broken": "{not json",
            "number": '{"botToken": 5}',
            "deep": '{"a":' * 10_000 + "1" + "}" * 10_000,
        }.items():
            client.create_secret(Name=name, SecretString=value)
        client.create_secret(Name="binary", SecretBinary=b"\x00")
        yield client


@pytest.mark.parametrize("name, expected", [("plain", "s3cret"), ("json", "xoxb-1")])
def test_a_field_is_plain_text_or_a_json_member(secrets, name, expected):
    assert read_secret_field(secrets, name, "botToken") == expected


@pytest.mark.parametrize(
    "name, code",
    [
        ("other", "SECRET_EMPTY"),
        ("broken", "SECRET_EMPTY"),
        ("number", "SECRET_EMPTY"),
        ("binary", "SECRET_EMPTY"),
        ("deep", "SECRET_EMPTY"),
        ("missing", "ResourceNotFoundException"),
    ],
)
def test_an_unusable_field_raises_a_code_only(secrets, name, code):
    with pytest.raises(SecretReadError) as raised:
        read_secret_field(secrets, name, "botToken")
    assert raised.value.code == code and str(raised.value) == code


def test_the_string_is_returned_whole_and_binary_is_refused(secrets):
    assert read_secret_string(secrets, "json") == '{"botToken": "xoxb-1"}'
    with pytest.raises(SecretReadError, match=r"^SECRET_NOT_TEXT$"):
        read_secret_string(secrets, "binary")


def test_the_cache_reads_again_after_the_ttl_and_after_a_failure():
    now, reads = [0.0], []

    def read() -> str:
        reads.append(now[0])
        if len(reads) == 2:
            raise SecretReadError("Throttling")
        return f"v{len(reads)}"

    cache = TtlCache(read, 10, clock=lambda: now[0])
    assert (cache.get(), cache.get()) == ("v1", "v1")
    now[0] = 10.0
    with pytest.raises(SecretReadError):
        cache.get()
    assert cache.get() == "v3" and reads == [0.0, 10.0, 10.0]
