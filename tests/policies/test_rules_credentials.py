"""lambda-environment-no-plain-credentials, rds-master-password-not-plain — through policies.testing."""

import pytest

from policies.credential_patterns import is_credential_name, plain_credential
from policies.rules.credentials import LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, RDS_MASTER_PASSWORD_NOT_PLAIN
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

FUNCTION, CLUSTER, INSTANCE = "aws:lambda/function:Function", "aws:rds/cluster:Cluster", "aws:rds/instance:Instance"
PASSWORD_TYPE = "random:index/randomPassword:RandomPassword"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"
ENV_POLICY = "lambda-environment-no-plain-credentials"
# AWS's documentation examples and obviously fake tokens: shaped like the real thing, valid nowhere.
ACCESS_KEY_ID, SECRET_KEY = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def function(variables, name="app-fn"):
    return resource(FUNCTION, name, {"runtime": "python3.12", "environment": {"variables": variables}})


@pytest.mark.parametrize("name, value, kind", [
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
])
def test_credentials_found_by_shape_or_by_name(name, value, kind):
    assert plain_credential(name, value) == kind


@pytest.mark.parametrize("name, value", [
    ("SECRET_ARN", SECRET_ARN), ("DB_SECRET_ARN", SECRET_ARN), ("TOKEN_TABLE", "sessions-9a8b7c6"),
    ("SLACK_BOT_TOKEN_SECRET_ID", SECRET_ARN), ("JWKS_SECRET_ID", "prod/jwks"), ("BEDROCK_MAX_TOKENS", "1024"),
    ("DB_PASSWORD_PARAM", "/app/db/password"), ("SLACK_TOKEN", "/prod/slack/token"),
    ("SLACK_TOKEN", "prod/slack-bot-token"), ("PASSWORD_ROTATION_DAYS", "30"), ("TOKEN_TTL_SECONDS", "900"),
    ("USE_TOKEN", "true"), ("DB_PASSWORD", "{{resolve:secretsmanager:app/db:SecretString:password}}"),
    ("SECRET_NAME", "app.db.credentials"), ("AUTH_TOKEN_URL", "https://auth.example.com/token"),
    ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.internal/app"), ("DB_PASSWORD", "short"),
    ("POWERTOOLS_SERVICE_NAME", "app"), ("AWS_DEFAULT_REGION", "us-west-2"), ("foo", "test"),
])
def test_references_flags_and_settings_are_no_credentials(name, value):
    assert plain_credential(name, value) is None


@pytest.mark.parametrize("name", ["DB_PASSWORD", "dbPass", "GITHUB_TOKEN", "ClientSecret", "private_key",
                                  "STRIPE_API_KEY", "aws_secret_access_key"])
def test_credential_names(name):
    assert is_credential_name(name)


def test_a_literal_password_is_reported_without_its_value():
    violation = assert_violates(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function(
        {"DB_PASSWORD": "hunter2hunter2", "DB_SECRET_ARN": SECRET_ARN})), ENV_POLICY, level="mandatory", count=1)
    assert 'environment variable "DB_PASSWORD" of function "app-fn" holds a literal secret' in violation.message
    assert "hunter2" not in violation.message and "14 characters, not shown" in violation.message
    assert "exemptVariables" in violation.message


def test_keys_are_reported_one_by_one_and_never_shown():
    violations = run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function(
        {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-west-2"}))
    assert_violates(violations, ENV_POLICY, count=2)
    assert_violates(violations, ENV_POLICY, contains='"AWS_ACCESS_KEY_ID" of function "app-fn" holds an AWS access key')
    assert not any(ACCESS_KEY_ID in v.message or SECRET_KEY in v.message for v in violations)


def test_unknown_values_and_functions_without_environment_pass():
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"DB_PASSWORD": UNKNOWN})))
    without = resource(FUNCTION, "f", {"runtime": "python3.12"})
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, without))
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS,
                             resource(FUNCTION, "f", {"environment": {"variables": UNKNOWN}})))


def test_exempt_variables_cover_names_not_key_shapes():
    config = {"exemptVariables": ["PASSWORD_POLICY", "LEAKED"]}
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"PASSWORD_POLICY": "Minimum12Upper"}),
                             config))
    assert_violates(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"LEAKED": ACCESS_KEY_ID}), config),
                    ENV_POLICY, contains="an AWS access key id")
    exempt = {"exemptions": [{"name": "app-fn", "reason": "test fixture keys only"}]}
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"LEAKED": ACCESS_KEY_ID}), exempt))


# --- rds-master-password-not-plain ------------------------------------------------------

def test_a_literal_master_password_is_reported_without_its_value():
    cluster = resource(CLUSTER, "db", {"engine": "aurora-mysql", "masterUsername": "admin",
                                       "masterPassword": "foobar-literal"})
    violation = assert_violates(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [cluster]), "rds-master-password-not-plain",
                                level="advisory", urn=cluster.urn)
    assert "foobar" not in violation.message and "manage_master_user_password=True" in violation.message


@pytest.mark.parametrize("type_, key", [(CLUSTER, "masterPasswordWo"), (INSTANCE, "password"),
                                        (INSTANCE, "passwordWo")])
def test_every_password_property_counts(type_, key):
    database = resource(type_, "db", {"engine": "mysql", key: "jk4wu0o7-literal"})
    assert_violates(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [database]), "rds-master-password-not-plain",
                    contains=f"({key}, ")


def test_a_generated_password_or_an_unknown_one_passes_unless_a_managed_one_is_required():
    password = resource(PASSWORD_TYPE, "db-master-password", {"length": 32},
                        outputs={"length": 32, "result": "Preview0123456789!1aA"})
    generated = resource(CLUSTER, "db", {"masterPassword": "Preview0123456789!1aA"},
                         property_dependencies={"masterPassword": [password]})
    encrypted = resource(INSTANCE, "legacy", {"password": UNKNOWN})
    managed = resource(CLUSTER, "managed", {"manageMasterUserPassword": True})
    assert_passes(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [password, generated, encrypted, managed]))

    strict = run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [password, generated, encrypted, managed],
                        {"requireManagedPassword": True})
    assert_violates(strict, "rds-master-password-not-plain", contains="requireManagedPassword", count=2)


def test_an_exempt_database_passes():
    cluster = resource(CLUSTER, "db", {"masterPassword": "foobar-literal"})
    exempt = {"exemptions": [{"name": "db", "reason": "throw-away test database"}]}
    assert_passes(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [cluster], exempt))
