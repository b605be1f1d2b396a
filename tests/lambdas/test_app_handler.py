"""The app function's health check, against MariaDB and Secrets Manager in moto."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.app import handler as app
from tests.support.constants import REGION
from tests.support.rotation import RotationDriver, new_password


@pytest.fixture
def secrets(aws_env, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "app")
    monkeypatch.delenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", raising=False)
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        app.reset_state(client)
        yield client
        app.reset_state()


@pytest.fixture
def secret(app_secret, monkeypatch):
    monkeypatch.setenv("DB_SECRET_ARN", app_secret[0])
    return app_secret


def invoke(lambda_context) -> tuple[int, dict]:
    response = app.handler({}, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def test_healthy(secret, lambda_context):
    status, body = invoke(lambda_context)
    assert status == 200
    assert body == {
        "database": "ok",
        "rotation": {
            "rotation_enabled": False,
            "has_current_version": True,
            "rotation_in_progress": False,
            "last_rotated": None,
            "next_rotation": None,
        },
    }


def test_reuses_the_connection_across_invocations_and_rotations(server, secrets, secret, lambda_context):
    assert invoke(lambda_context)[0] == 200
    RotationDriver(secrets, secret[0]).rotate()
    server.kill_connections_of(secret[1]["username"])
    assert invoke(lambda_context)[0] == 200
    assert invoke(lambda_context)[0] == 200
    assert app.current_container().connection.opened == 2


def test_rejected_credentials_are_a_503_without_the_password(server, secret, lambda_context, caplog):
    with server.root_connection() as root, root.cursor() as cursor:
        cursor.execute("SET PASSWORD FOR %s@'%%' = PASSWORD(%s)", (secret[1]["username"], "elsewhere"))
    status, body = invoke(lambda_context)
    assert (status, body["error"]) == (503, "CREDENTIALS_REJECTED")
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "tried" in logged and secret[1]["password"] not in logged + json.dumps(body)
    assert "CredentialsRejected" not in json.dumps(body) and secret[0] not in json.dumps(body)


def test_unreadable_secret_is_a_503(server, secrets, monkeypatch, lambda_context, caplog):
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:absent-AbCdEf")
    status, body = invoke(lambda_context)
    assert (status, body["error"]) == (503, "SECRET_UNAVAILABLE")
    assert [getattr(r, "error_code", None) for r in caplog.records] == ["ResourceNotFoundException"]


def test_unreachable_database_is_a_503(secrets, monkeypatch, lambda_context):
    arn = secrets.create_secret(
        Name="db/down", SecretString=json.dumps({"host": "127.0.0.1", "port": 1, "username": "u", "password": "p"})
    )["ARN"]
    monkeypatch.setenv("DB_SECRET_ARN", arn)
    status, body = invoke(lambda_context)
    assert (status, body["error"]) == (503, "DATABASE_UNAVAILABLE")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"DB_SECRET_ARN": "x", "DB_CREDENTIALS_TTL_SECONDS": "soon"},
        {"DB_SECRET_ARN": "x", "DB_CONNECT_TIMEOUT_SECONDS": "0"},
        {"DB_SECRET_ARN": "x", "DB_CONNECT_TIMEOUT_SECONDS": "²"},
        {"DB_SECRET_ARN": "x", "DB_CREDENTIALS_TTL_SECONDS": "9" * 5000},
    ],
)
def test_bad_settings_are_a_500(secrets, monkeypatch, lambda_context, environ):
    for name in ("DB_SECRET_ARN", "DB_CREDENTIALS_TTL_SECONDS", "DB_CONNECT_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    status, body = invoke(lambda_context)
    assert (status, body["error"]) == (500, "MISCONFIGURED")


def test_settings_defaults():
    settings = app.load_settings({"DB_SECRET_ARN": " arn "})
    assert (settings.secret_id, settings.ttl_seconds, settings.connect_timeout_seconds) == ("arn", 300, 5)
    assert settings.defaults == {}


def test_an_rds_managed_secret_takes_host_port_and_name_from_the_environment(
    server, secrets, monkeypatch, lambda_context
):
    username, password = f"app_{uuid.uuid4().hex[:10]}", new_password()
    server.create_user(username, password, "appdb")
    arn = secrets.create_secret(
        Name=f"rds!cluster-{username}", SecretString=json.dumps({"username": username, "password": password})
    )["ARN"]
    for name, value in {
        "DB_SECRET_ARN": arn,
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(server.port),
        "DB_NAME": "appdb",
    }.items():
        monkeypatch.setenv(name, value)
    assert invoke(lambda_context)[0] == 200
    assert app.current_container().credentials.current().dbname == "appdb"


def test_describe_failure_is_a_503(secret, secrets, lambda_context):
    assert invoke(lambda_context)[0] == 200  # credentials cached, connection open
    with Stubber(secrets) as stub:  # a Stubber answers every call: only DescribeSecret is left
        stub.add_client_error("describe_secret", "AccessDeniedException")
        status, body = invoke(lambda_context)
    assert (status, body["error"]) == (503, "SECRET_UNAVAILABLE")
