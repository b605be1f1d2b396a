"""Example consumer of the rotated database credentials: a health check.

Any event (a direct invoke, a Function URL or an HTTP API request) gets:
- 200 ``{"database": "ok", "rotation": {...}}``: ``SELECT 1`` through
  ``lambdas.common.database.connect`` on the container's reused connection, and
  ``rotation_health`` of the secret;
- 503 ``SECRET_UNAVAILABLE``: the secret could not be read (permissions, KMS, network);
- 503 ``CREDENTIALS_REJECTED``: the database refused every version of the secret;
- 503 ``DATABASE_UNAVAILABLE``: any other database error (unreachable, timeout, ...);
- 500 ``MISCONFIGURED``: a missing or invalid setting (the log names it).

Environment (set by the component):
- ``DB_SECRET_ARN``: the credentials secret (required).
- ``DB_CREDENTIALS_TTL_SECONDS``: how long AWSCURRENT stays cached; default 300.
- ``DB_CONNECT_TIMEOUT_SECONDS``: PyMySQL connect timeout; default 5.
- ``DB_HOST``, ``DB_PORT``, ``DB_NAME``: used only when the secret lacks them (the
  ``rds-managed`` strategy: RDS's secret holds a username and a password only).
- ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``: set by the component when the AWS Parameters
  and Secrets Lambda Extension layer is attached; reads then go through it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pymysql
from aws_lambda_powertools import Logger

from lambdas.common.container import ContainerState
from lambdas.common.database import CredentialsRejected, ReusableConnection
from lambdas.common.database_secret import DatabaseCredentials, SecretFetchError, rotation_health
from lambdas.common.responses import error_response, json_response
from lambdas.common.settings import SettingsError, required, whole_number

DEFAULT_TTL_SECONDS = 300
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5

logger = Logger()


@dataclass(frozen=True)
class Settings:
    secret_id: str
    ttl_seconds: int
    connect_timeout_seconds: int
    defaults: dict


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    secret_id = required(environ, "DB_SECRET_ARN")
    defaults: dict = {}
    if environ.get("DB_HOST", "").strip():
        defaults["host"] = environ["DB_HOST"].strip()
    if environ.get("DB_PORT", "").strip():
        defaults["port"] = _whole_number(environ, "DB_PORT", 3306, 1)
    if environ.get("DB_NAME", "").strip():
        defaults["dbname"] = environ["DB_NAME"].strip()
    return Settings(
        secret_id,
        _whole_number(environ, "DB_CREDENTIALS_TTL_SECONDS", DEFAULT_TTL_SECONDS, 0),
        _whole_number(environ, "DB_CONNECT_TIMEOUT_SECONDS", DEFAULT_CONNECT_TIMEOUT_SECONDS, 1),
        defaults,
    )


def _whole_number(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    return whole_number(environ, name, default, minimum)


@dataclass
class Container:
    """What one Lambda container keeps between invocations."""

    settings: Settings
    credentials: DatabaseCredentials
    connection: ReusableConnection


def _build_container(overrides: Mapping[str, Any]) -> Container:
    settings = load_settings()
    credentials = DatabaseCredentials(
        settings.secret_id, overrides.get("client"), settings.ttl_seconds, defaults=settings.defaults
    )
    connection = ReusableConnection(credentials, connect_timeout=settings.connect_timeout_seconds)
    return Container(settings, credentials, connection)


_state: ContainerState[Container] = ContainerState(_build_container, close=lambda c: c.connection.close())


def reset_state(client: Any = None) -> None:
    """Close the connection and forget the cache (for tests): the next call starts cold."""
    _state.reset(client=client)


def current_container() -> Container:
    return _state.get()


@logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    try:
        container = current_container()
    except SettingsError as error:
        logger.error("App function misconfigured", extra={"problem": str(error)})
        return error_response(500, "MISCONFIGURED", "The service is not configured correctly.")
    return health(container)


def health(container: Container) -> dict:
    try:
        check_database(container.connection)
        rotation = rotation_health(container.settings.secret_id, container.credentials.secrets_client())
    except SecretFetchError as error:
        logger.error("Could not read the database secret", extra={"error_code": error.code, "stage": error.stage})
        return error_response(503, "SECRET_UNAVAILABLE", "Database credentials are unavailable.")
    except CredentialsRejected as error:
        logger.error("Database refused the credentials", extra={"tried": error.tried})
        return error_response(503, "CREDENTIALS_REJECTED", "The database refused the credentials.")
    except pymysql.err.Error as error:
        container.connection.close()
        logger.error("Database unavailable", extra={"error_code": _mysql_code(error)})
        return error_response(503, "DATABASE_UNAVAILABLE", "The database is unavailable.")
    return json_response(200, {"database": "ok", "rotation": rotation})


def check_database(connection: ReusableConnection) -> None:
    with connection.get().cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise pymysql.err.OperationalError(0, "unexpected answer to SELECT 1")


def _mysql_code(error: pymysql.err.Error) -> str:
    return str(error.args[0]) if error.args and isinstance(error.args[0], int) else type(error).__name__
