"""Fixtures shared by the Lambda tests: a Lambda context, HTTP API events, MariaDB, RSA keys
(fake AWS settings come from ``tests/conftest.py``)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from tests.support.constants import REGION
from tests.support.events import load_event
from tests.support.mariadb import MariaDB, skip_reason_or_failure
from tests.support.rotation import new_password


@pytest.fixture(scope="session")
def server():
    """A throwaway MariaDB on 127.0.0.1 for the whole session. Skipped, with the reason,
    only when MariaDB is not installed and CI is not set; in CI its absence fails."""
    reason = skip_reason_or_failure()
    if reason:
        pytest.skip(reason)
    server = MariaDB.start()
    yield server
    server.stop()


@pytest.fixture
def secrets(aws_env):
    """Secrets Manager in moto for one test."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def app_secret(server, secrets):
    """A fresh database user and its secret, shaped as the rotation template expects."""
    username, password = f"app_{uuid.uuid4().hex[:10]}", new_password()
    server.create_user(username, password, "appdb")
    value = {
        "engine": "mysql",
        "host": "127.0.0.1",
        "port": server.port,
        "username": username,
        "password": password,
        "dbname": "appdb",
        "dbClusterIdentifier": "test-cluster",
    }
    arn = secrets.create_secret(Name=f"db/{username}", SecretString=json.dumps(value))["ARN"]
    return arn, value


@dataclass
class FakeLambdaContext:
    function_name: str = "jwks-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:jwks-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/jwks-test"
    log_stream_name: str = "2026/11/01/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 3000


@pytest.fixture
def lambda_context():
    return FakeLambdaContext()


@pytest.fixture
def http_api_event():
    """Builds an API Gateway HTTP API payload 2.0 event, as the $default stage sends it."""

    def build(method: str = "GET", path: str = "/.well-known/jwks.json", stage: str = "$default") -> dict:
        raw_path = path if stage == "$default" else f"/{stage}{path}"
        event = load_event("http_api_v2")
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw_path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["stage"] = stage
        return event

    return build


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.fixture(scope="session")
def rsa_jwk():
    """Returns (private JWK, public JWK) of a real RSA key for a kid; one key per kid."""
    made: dict[str, tuple[dict, dict]] = {}

    def build(kid: str) -> tuple[dict, dict]:
        if kid not in made:
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            numbers = private_key.private_numbers()
            public = {
                "kty": "RSA",
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
                "n": _b64url_uint(numbers.public_numbers.n),
                "e": _b64url_uint(numbers.public_numbers.e),
            }
            private = {
                **public,
                "d": _b64url_uint(numbers.d),
                "p": _b64url_uint(numbers.p),
                "q": _b64url_uint(numbers.q),
                "dp": _b64url_uint(numbers.dmp1),
                "dq": _b64url_uint(numbers.dmq1),
                "qi": _b64url_uint(numbers.iqmp),
            }
            made[kid] = (private, public)
        return made[kid]

    return build
