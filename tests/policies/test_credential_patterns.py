"""Tests of policies/credential_patterns.py."""

import pytest

from policies.credential_patterns import is_credential_name, plain_credential
from tests.policies.rules.samples import ACCESS_KEY_ID, SECRET_ARN, SECRET_KEY


@pytest.mark.parametrize(
    "name, value, kind",
    [
        ("ANYTHING", ACCESS_KEY_ID, "an AWS access key id"),
        ("foo", "ASIA" + "Q" * 16, "an AWS access key id"),
        ("CERT", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a private key"),
        ("GH", "ghp_" + "a1B2" * 9, "a GitHub token"),
        ("BOT", "xoxb-000000000000-000000000000-EXAMPLEexample", "a Slack token"),
        ("DATABASE_URL", "postgres://app:Sup3r-Secret@db.internal:5432/app", "a password in a URL"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY, "a literal secret"),
        ("DB_PASSWORD", "hunter2hunter2", "a literal secret"),
        ("slackSigningSecret", "8f742231b10e8888abcd99yyyzzz85a5", "a literal secret"),
        ("API_KEY", "Zx81-Quux-9000", "a literal secret"),
    ],
)
def test_credentials_found_by_shape_or_by_name(name, value, kind):
    assert plain_credential(name, value) == kind


@pytest.mark.parametrize(
    "name, value",
    [
        ("SECRET_ARN", SECRET_ARN),
        ("DB_SECRET_ARN", SECRET_ARN),
        ("TOKEN_TABLE", "sessions-9a8b7c6"),
        ("SLACK_BOT_TOKEN_SECRET_ID", SECRET_ARN),
        ("JWKS_SECRET_ID", "prod/jwks"),
        ("BEDROCK_MAX_TOKENS", "1024"),
        ("DB_PASSWORD_PARAM", "/app/db/password"),
        ("SLACK_TOKEN", "/prod/slack/token"),
        ("SLACK_TOKEN", "prod/slack-bot-token"),
        ("PASSWORD_ROTATION_DAYS", "30"),
        ("TOKEN_TTL_SECONDS", "900"),
        ("USE_TOKEN", "true"),
        ("DB_PASSWORD", "{{resolve:secretsmanager:app/db:SecretString:password}}"),
        ("SECRET_NAME", "app.db.credentials"),
        ("AUTH_TOKEN_URL", "https://auth.example.com/token"),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.internal/app"),
        ("DB_PASSWORD", "short"),
        ("POWERTOOLS_SERVICE_NAME", "app"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
        ("foo", "test"),
    ],
)
def test_references_flags_and_settings_are_no_credentials(name, value):
    assert plain_credential(name, value) is None


@pytest.mark.parametrize(
    "name",
    ["DB_PASSWORD", "dbPass", "GITHUB_TOKEN", "ClientSecret", "private_key", "STRIPE_API_KEY", "aws_secret_access_key"],
)
def test_credential_names(name):
    assert is_credential_name(name)
