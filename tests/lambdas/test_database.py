"""lambdas.common.database and database_secret against a real MariaDB server and Secrets Manager in moto.

The rotation tests drive the hosted MySQLSingleUser template's four steps (tests/support/rotation.py)
while worker threads open fresh connections. The driver holds the window between setSecret
and testSecret open until every worker has tried to connect in it, so the outcome does not
depend on the scheduler: ``connect()`` must never fail, the naive connector must.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pymysql
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from lambdas.common import database
from lambdas.common.database import CredentialsRejected, ReusableConnection, connect
from lambdas.common.database_secret import (
    AWSCURRENT,
    AWSPENDING,
    DatabaseCredentials,
    SecretFetchError,
    rotation_health,
)
from tests.support.broken_http import broken_http_server
from tests.support.constants import REGION
from tests.support.rotation import LoadRun, NaiveConnector, RotationDriver

WORKERS, ROTATIONS = 4, 6


def select_one(connection) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()


def run_rotations(server, secrets, secret_arn, open_connection) -> LoadRun:
    driver = RotationDriver(secrets, secret_arn)
    with LoadRun(open_connection, WORKERS) as load:
        for _ in range(ROTATIONS):
            load.wait_for_attempts(1)  # some traffic before the rotation starts
            driver.rotate(in_window=lambda: load.wait_for_attempts(1))
        load.wait_for_attempts(1)  # and after the last one
    assert driver.rotations == ROTATIONS
    return load


# -- the rotation under load --------------------------------------------------------------


def test_connect_has_zero_failures_across_many_rotations(server, secrets, app_secret):
    credentials = DatabaseCredentials(app_secret[0], secrets)
    load = run_rotations(server, secrets, app_secret[0], lambda: connect(credentials, connect_timeout=5))
    assert load.failures == []
    assert load.queries >= WORKERS * (2 * ROTATIONS + 1)


def test_naive_cached_current_connector_fails_in_the_same_run(server, secrets, app_secret):
    naive = NaiveConnector(secrets, app_secret[0])
    load = run_rotations(server, secrets, app_secret[0], lambda: naive.connect(connect_timeout=5))
    # At least one attempt per worker per rotation fell in the window, and each was refused.
    assert len(load.failures) >= WORKERS * ROTATIONS
    assert all(failure.startswith("OperationalError: 1045") for failure in load.failures)


# -- connect(): the fallback order --------------------------------------------------------


def test_cached_current_serves_many_connections_with_one_fetch(server, secrets, app_secret):
    credentials = DatabaseCredentials(app_secret[0], secrets)
    for _ in range(5):
        with connect(credentials) as connection:
            assert select_one(connection) == (1,)
    assert credentials.fetches == 1


def test_in_the_window_connect_uses_pending(server, secrets, app_secret):
    credentials = DatabaseCredentials(app_secret[0], secrets)
    credentials.current()
    driver, token = RotationDriver(secrets, app_secret[0]), str(uuid.uuid4())
    driver.create_secret(token)
    driver.set_secret(token)
    with connect(credentials) as connection:
        assert select_one(connection) == (1,)
    assert credentials.pending().version_id == token


def test_after_finish_a_stale_cache_is_refreshed(server, secrets, app_secret):
    credentials = DatabaseCredentials(app_secret[0], secrets)
    old = credentials.current()
    token = RotationDriver(secrets, app_secret[0]).rotate()
    with connect(credentials) as connection:
        assert select_one(connection) == (1,)
    assert (old.version_id, credentials.current().version_id) != (token, old.version_id)
    assert credentials.current().version_id == token


class FinishOnPendingRead:
    """A Secrets Manager client on which finishSecret lands just before AWSPENDING is read."""

    def __init__(self, client, driver: RotationDriver, token: str) -> None:
        self.client, self.driver, self.token, self.finished = client, driver, token, False

    def get_secret_value(self, **kwargs):
        if kwargs.get("VersionStage") == AWSPENDING and not self.finished:
            self.finished = True
            self.driver.test_secret(self.token)
            self.driver.finish_secret(self.token)
        return self.client.get_secret_value(**kwargs)


def test_finish_secret_between_reads_is_caught_by_a_last_current_read(server, secrets, app_secret):
    driver, token = RotationDriver(secrets, app_secret[0]), str(uuid.uuid4())
    driver.create_secret(token)
    driver.set_secret(token)
    racy = FinishOnPendingRead(secrets, driver, token)
    credentials = DatabaseCredentials(app_secret[0], racy)
    with connect(credentials) as connection:
        assert select_one(connection) == (1,)
    assert racy.finished and credentials.current().version_id == token


def test_refused_everywhere_names_the_secret_never_the_password(server, secrets, app_secret, caplog):
    arn, value = app_secret
    with server.root_connection() as root, root.cursor() as cursor:
        cursor.execute("SET PASSWORD FOR %s@'%%' = PASSWORD(%s)", (value["username"], "not-in-the-secret"))
    credentials = DatabaseCredentials(arn, secrets)
    with pytest.raises(CredentialsRejected) as raised:
        connect(credentials)
    message = str(raised.value)
    assert arn in message and value["password"] not in message and value["password"] not in repr(raised.value)
    assert value["password"] not in repr(credentials.current())
    assert value["password"] not in caplog.text
    assert raised.value.tried == [f"AWSCURRENT {credentials.current().version_id}"]


def test_other_database_errors_are_not_retried(secrets, aws_env):
    value = {"host": "127.0.0.1", "port": 1, "username": "app", "password": "pw-not-shown", "dbname": "x"}
    arn = secrets.create_secret(Name="db/unreachable", SecretString=json.dumps(value))["ARN"]
    credentials = DatabaseCredentials(arn, secrets)
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect(credentials, connect_timeout=2)
    assert raised.value.args[0] == 2003 and credentials.fetches == 1


# -- fetch failures surface ---------------------------------------------------------------


class Spy:
    def __init__(self, client) -> None:
        self.client, self.stages = client, []

    def get_secret_value(self, **kwargs):
        self.stages.append(kwargs.get("VersionStage"))
        return self.client.get_secret_value(**kwargs)


@set_initial_no_auth_action_count(4)
def test_no_permission_surfaces_instead_of_falling_back(server, aws_env, monkeypatch):
    with mock_aws():
        admin = boto3.client("secretsmanager", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        arn = admin.create_secret(
            Name="db/denied",
            SecretString=json.dumps(
                {"host": "127.0.0.1", "port": server.port, "username": "u", "password": "p-secret"}
            ),
        )["ARN"]
        iam.create_user(UserName="app")
        iam.put_user_policy(
            UserName="app",
            PolicyName="describe-only",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": arn}],
                }
            ),
        )
        key = iam.create_access_key(UserName="app")["AccessKey"]
        denied = Spy(
            boto3.client(
                "secretsmanager",
                region_name=REGION,
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
                aws_session_token=None,
            )
        )
        opened = []
        monkeypatch.setattr(database.pymysql, "connect", lambda **kw: opened.append(kw))
        with pytest.raises(SecretFetchError) as raised:
            connect(DatabaseCredentials(arn, denied))
    assert raised.value.stage == AWSCURRENT and raised.value.code
    assert denied.stages == [AWSCURRENT] and opened == []  # no AWSPENDING, no database


class FailingAfter(Spy):
    """Answers ``allowed`` reads, then raises as AWS would on a KMS problem."""

    def __init__(self, client, allowed: int) -> None:
        super().__init__(client)
        self.allowed = allowed

    def get_secret_value(self, **kwargs):
        if len(self.stages) >= self.allowed:
            from botocore.exceptions import ClientError

            self.stages.append(kwargs.get("VersionStage"))
            raise ClientError({"Error": {"Code": "KMSAccessDeniedException", "Message": "no"}}, "GetSecretValue")
        return super().get_secret_value(**kwargs)


def test_a_fetch_failure_during_the_fallback_surfaces(server, secrets, app_secret):
    arn, _value = app_secret
    driver, token = RotationDriver(secrets, arn), str(uuid.uuid4())
    driver.create_secret(token)
    driver.set_secret(token)
    client = FailingAfter(secrets, allowed=1)
    with pytest.raises(SecretFetchError) as raised:
        connect(DatabaseCredentials(arn, client))
    assert (raised.value.code, client.stages) == ("KMSAccessDeniedException", [AWSCURRENT, AWSCURRENT])


def test_a_malformed_secret_is_a_fetch_error(secrets, aws_env):
    arn = secrets.create_secret(Name="db/bad", SecretString=json.dumps({"host": "h", "password": "pw-never-shown"}))[
        "ARN"
    ]  # no username
    with pytest.raises(SecretFetchError) as raised:
        DatabaseCredentials(arn, secrets).current()
    assert raised.value.code == "SECRET_MALFORMED" and "pw-never-shown" not in repr(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_secret_that_is_not_json_text_is_a_fetch_error(secrets, aws_env):
    text = secrets.create_secret(Name="db/text", SecretString="pw-plain-text")["ARN"]
    binary = secrets.create_secret(Name="db/binary", SecretBinary=b"\x00\x01")["ARN"]
    codes = []
    for arn in (text, binary):
        with pytest.raises(SecretFetchError) as raised:
            DatabaseCredentials(arn, secrets).current()
        codes.append(raised.value.code)
        assert "pw-plain-text" not in repr(raised.value)
    assert codes == ["SECRET_MALFORMED", "SECRET_NOT_TEXT"]


# -- pending() ----------------------------------------------------------------------------


def test_pending_only_when_on_another_version(secrets, aws_env):
    value = {"host": "h", "port": 3306, "username": "u", "password": "p1"}
    arn = secrets.create_secret(Name="db/p", SecretString=json.dumps(value))["ARN"]
    credentials = DatabaseCredentials(arn, secrets)
    assert credentials.pending() is None
    token = str(uuid.uuid4())
    secrets.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        VersionStages=[AWSPENDING],
        SecretString=json.dumps({**value, "password": "p2"}),
    )
    pending = credentials.pending()
    assert (pending.version_id, pending.password, pending.stage) == (token, "p2", AWSPENDING)
    current = credentials.current().version_id
    secrets.update_secret_version_stage(
        SecretId=arn, VersionStage=AWSCURRENT, MoveToVersionId=token, RemoveFromVersionId=current
    )
    credentials.refresh()
    assert credentials.pending() is None  # AWSPENDING and AWSCURRENT on one version


def test_ttl_expiry_reads_again(secrets, aws_env):
    now = [0.0]
    arn = secrets.create_secret(Name="db/t", SecretString=json.dumps({"host": "h", "username": "u", "password": "p"}))[
        "ARN"
    ]
    credentials = DatabaseCredentials(arn, secrets, ttl_seconds=300, clock=lambda: now[0])
    credentials.current(), credentials.current()
    now[0] = 299.0
    credentials.current()
    assert credentials.fetches == 1
    now[0] = 300.0
    assert credentials.current().port == 3306 and credentials.fetches == 2


# -- the Parameters and Secrets extension -------------------------------------------------


class NoApi:
    def get_secret_value(self, **kwargs):
        raise AssertionError("Secrets Manager should not be called")


@pytest.fixture
def extension():
    """A stand-in for the extension's localhost endpoint: records requests, answers from ``answers``."""
    state = {"requests": [], "answer": (200, {})}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["requests"].append((self.path, self.headers.get("X-Aws-Parameters-Secrets-Token")))
            status, body = state["answer"]
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state["port"] = httpd.server_address[1]
    yield state
    httpd.shutdown()


def test_reads_through_the_extension_with_the_session_token(extension):
    extension["answer"] = (
        200,
        {"VersionId": "v1", "SecretString": json.dumps({"host": "h", "port": 3306, "username": "u", "password": "p"})},
    )
    environ = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension["port"]), "AWS_SESSION_TOKEN": "tok"}
    credentials = DatabaseCredentials("arn:aws:secretsmanager:eu-west-1:1:secret:db", NoApi(), environ=environ)
    assert credentials.current().version_id == "v1"
    [(path, token)] = extension["requests"]
    assert token == "tok" and path.startswith("/secretsmanager/get?secretId=arn%3Aaws%3Asecretsmanager")
    assert "versionStage=AWSCURRENT" in path


def test_an_extension_error_surfaces(extension):
    extension["answer"] = (400, {"__type": "AccessDeniedException", "message": "denied"})
    environ = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension["port"]), "AWS_SESSION_TOKEN": "tok"}
    with pytest.raises(SecretFetchError) as raised:
        DatabaseCredentials("db", NoApi(), environ=environ).current()
    assert raised.value.code == "AccessDeniedException"


def test_without_a_listening_extension_reads_the_api(secrets, aws_env):
    arn = secrets.create_secret(Name="db/e", SecretString=json.dumps({"host": "h", "username": "u", "password": "p"}))[
        "ARN"
    ]
    from tests.support.mariadb import _free_port

    environ = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(_free_port()), "AWS_SESSION_TOKEN": "t"}
    assert DatabaseCredentials(arn, secrets, environ=environ).current().host == "h"


# -- connection reuse ---------------------------------------------------------------------


def test_connection_is_reused_and_reopened_when_gone(server, secrets, app_secret):
    arn, value = app_secret
    reusable = ReusableConnection(DatabaseCredentials(arn, secrets), connect_timeout=5)
    first = reusable.get()
    assert reusable.get() is first and reusable.opened == 1
    RotationDriver(secrets, arn).rotate()
    assert select_one(reusable.get()) == (1,) and reusable.opened == 1  # open sessions outlive a rotation
    assert server.kill_connections_of(value["username"]) >= 1
    second = reusable.get()
    assert second is not first and reusable.opened == 2 and select_one(second) == (1,)
    reusable.close()


# -- rotation_health ----------------------------------------------------------------------


def test_rotation_health_without_rotation(secrets, app_secret):
    health = rotation_health(app_secret[0], secrets)
    assert health == {
        "rotation_enabled": False,
        "has_current_version": True,
        "rotation_in_progress": False,
        "last_rotated": None,
        "next_rotation": None,
    }


def test_rotation_health_during_a_rotation(server, secrets, app_secret):
    driver, token = RotationDriver(secrets, app_secret[0]), str(uuid.uuid4())
    driver.create_secret(token)
    assert rotation_health(app_secret[0], secrets)["rotation_in_progress"] is True
    driver.set_secret(token), driver.test_secret(token), driver.finish_secret(token)
    assert rotation_health(app_secret[0], secrets)["rotation_in_progress"] is False


def test_rotation_health_reports_schedule():
    from datetime import datetime

    from botocore.stub import Stubber

    client = boto3.client("secretsmanager", region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b")
    last, nxt = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "describe_secret",
            {
                "RotationEnabled": True,
                "LastRotatedDate": last,
                "NextRotationDate": nxt,
                "VersionIdsToStages": {"a" * 32: ["AWSCURRENT", "AWSPENDING"]},
            },
        )
        health = rotation_health("db", client)
    assert health == {
        "rotation_enabled": True,
        "has_current_version": True,
        "rotation_in_progress": False,
        "last_rotated": last.isoformat(),
        "next_rotation": nxt.isoformat(),
    }


def test_missing_mariadb_skips_locally_and_fails_in_ci(monkeypatch):
    from tests.support import mariadb

    monkeypatch.setattr(mariadb.shutil, "which", lambda name, path=None: None)
    monkeypatch.delenv("CI", raising=False)
    assert "apt-get install -y mariadb-server" in mariadb.skip_reason_or_failure()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="CI is set"):
        mariadb.skip_reason_or_failure()


def test_a_secret_nested_too_deep_is_malformed(secrets, aws_env):
    arn = secrets.create_secret(Name="db/deep", SecretString="[" * 100_000 + "]" * 100_000)["ARN"]
    with pytest.raises(SecretFetchError) as raised:
        DatabaseCredentials(arn, secrets).current()
    assert raised.value.code == "SECRET_MALFORMED"


def test_a_garbled_extension_answer_falls_back_to_the_api(secrets, aws_env):
    """An extension that answers something other than HTTP is as good as absent."""
    arn = secrets.create_secret(Name="db/g", SecretString=json.dumps({"host": "h", "username": "u", "password": "p"}))[
        "ARN"
    ]
    with broken_http_server(b"NOT-HTTP garbage\r\n\r\n") as (url, requests):
        environ = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": url.rsplit(":", 1)[1], "AWS_SESSION_TOKEN": "t"}
        assert DatabaseCredentials(arn, secrets, environ=environ).current().host == "h"
    assert len(requests) == 1
