"""What a rotation window costs connect(), counted on the real parts: refused logins by the
MariaDB server's ``Access_denied_errors``, Secrets Manager reads by a botocore event hook on
the moto client, and the TLS context by the identity of the one each connection really used.

Also the limits of the pending version connect() keeps: it is dropped when refused, when
AWSCURRENT moves, and ``ttl_seconds`` after it first worked however busy the container is;
a pending value that names another endpoint is tried as before but never kept.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pymysql
import pytest

from lambdas.common.database import ReusableConnection, connect
from lambdas.common.database_secret import AWSCURRENT, AWSPENDING, DatabaseCredentials
from lambdas.common.tls import tls_context
from tests.support.certificates import write_server_certificate
from tests.support.constants import REGION
from tests.support.rotation import LoadRun, RotationDriver, new_password

CONNECTIONS = 10


class Reads:
    """GetSecretValue calls the client really sends, by stage."""

    def __init__(self, client) -> None:
        self.stages: list[str] = []
        client.meta.events.register("before-parameter-build.secrets-manager.GetSecretValue", self._count)

    def _count(self, params, **_):
        self.stages.append(params.get("VersionStage"))


def user_of(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_USER()")
        return cursor.fetchone()[0].split("@")[0]


def open_and_close(credentials, count: int = 1) -> list[str]:
    users = []
    for _ in range(count):
        with connect(credentials, connect_timeout=10) as connection:
            users.append(user_of(connection))
    return users


def warm_credentials(arn, secrets) -> DatabaseCredentials:
    """A container's credentials that have read AWSCURRENT once."""
    credentials = DatabaseCredentials(arn, secrets)
    credentials.current()
    return credentials


def start_window(secrets, arn) -> str:
    """createSecret and setSecret: the database takes only AWSPENDING's password now."""
    driver, token = RotationDriver(secrets, arn), str(uuid.uuid4())
    driver.create_secret(token)
    driver.set_secret(token)
    return token


# -- the window's cost --------------------------------------------------------------------


def through_a_window(credentials, secrets, arn) -> str:
    """A container that connects through a whole rotation window: the pending version works, then
    finishSecret promotes it. Returns the window's token."""
    credentials.current()
    token = start_window(secrets, arn)
    open_and_close(credentials)
    driver = RotationDriver(secrets, arn)
    driver.test_secret(token), driver.finish_secret(token)
    return token


def test_a_window_costs_one_refused_login_and_two_reads_in_all(server, secrets, app_secret):
    arn, value = app_secret
    credentials = warm_credentials(arn, secrets)
    token = start_window(secrets, arn)
    reads, refused_before = Reads(secrets), server.status("Access_denied_errors")
    assert open_and_close(credentials, CONNECTIONS) == [value["username"]] * CONNECTIONS
    assert server.status("Access_denied_errors") - refused_before == 1
    assert reads.stages == [AWSCURRENT, AWSPENDING]
    assert credentials.working_pending().version_id == token


def test_after_finish_the_kept_version_serves_until_current_is_read_again(server, secrets, app_secret):
    now = [0.0]
    arn, _value = app_secret
    credentials = DatabaseCredentials(arn, secrets, ttl_seconds=300, clock=lambda: now[0])
    token = through_a_window(credentials, secrets, arn)
    reads, refused_before = Reads(secrets), server.status("Access_denied_errors")
    now[0] = 100.0
    open_and_close(credentials, 3)
    now[0] = 300.0  # both caches expired: AWSCURRENT is read again and is the promoted version
    open_and_close(credentials, 3)
    assert reads.stages == [AWSCURRENT]
    assert server.status("Access_denied_errors") == refused_before
    assert credentials.current().version_id == token and credentials.working_pending() is None


def test_a_kept_version_refused_is_dropped_and_the_next_rotation_is_found(server, secrets, app_secret):
    arn, _ = app_secret
    credentials = DatabaseCredentials(arn, secrets)
    through_a_window(credentials, secrets, arn)  # the first window: the container keeps its version
    second = start_window(secrets, arn)  # the database now refuses the kept version too
    refused_before = server.status("Access_denied_errors")
    open_and_close(credentials)
    # kept (first) refused, cached AWSCURRENT (the original) refused, refreshed AWSCURRENT (first) skipped
    assert server.status("Access_denied_errors") - refused_before == 2
    assert credentials.working_pending().version_id == second
    open_and_close(credentials, 3)
    assert server.status("Access_denied_errors") - refused_before == 2


def test_threads_of_one_container_share_one_fallback_per_window(server, secrets, app_secret):
    """Four threads connect throughout several rotations: one of them falls back per window
    (two reads), the others wait for it and use the version it kept."""
    arn, _ = app_secret
    credentials = warm_credentials(arn, secrets)
    driver = RotationDriver(boto3.client("secretsmanager", region_name=REGION), arn)  # reads not counted
    reads, rotations = Reads(secrets), 4
    with LoadRun(lambda: connect(credentials, connect_timeout=10), 4) as load:
        for _ in range(rotations):
            load.wait_for_attempts(1)
            driver.rotate(in_window=lambda: load.wait_for_attempts(1))
        load.wait_for_attempts(1)
    assert load.failures == []
    assert reads.stages == [AWSCURRENT, AWSPENDING] * rotations


# -- one TLS context ----------------------------------------------------------------------


def test_every_connection_shares_the_containers_tls_context(server, secrets, app_secret):
    arn, _ = app_secret
    credentials = DatabaseCredentials(arn, secrets)
    reusable = ReusableConnection(credentials, connect_timeout=10)
    contexts = []
    for connection in (connect(credentials), connect(credentials), reusable.get()):
        assert connection._sock.version() in ("TLSv1.2", "TLSv1.3")
        contexts.append(connection._sock.context)
        connection.close()
    start_window(secrets, arn)  # the fallback's connections too
    with connect(credentials) as connection:
        contexts.append(connection._sock.context)
    assert all(context is tls_context() for context in contexts)


def test_a_ca_file_checks_the_servers_certificate(server, secrets, app_secret, tmp_path):
    arn, _ = app_secret
    credentials = DatabaseCredentials(arn, secrets)
    with connect(credentials, ssl=tls_context(server.ca_file)) as connection:
        assert connection._sock.getpeercert()["subjectAltName"][0] == ("IP Address", "127.0.0.1")
    other_ca, _ = write_server_certificate(tmp_path, ("127.0.0.1",))
    with pytest.raises(pymysql.err.OperationalError) as raised:
        connect(credentials, ssl=tls_context(str(other_ca)))
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)


# -- attacks on the kept version ----------------------------------------------------------


def test_a_demoted_version_still_accepted_is_dropped_after_the_ttl_under_traffic(server, secrets, app_secret):
    """Alternating users: after the next rotation the kept version is AWSPREVIOUS and its
    user still logs in. It may serve until its TTL runs out (as a cached AWSCURRENT would),
    and use does not extend it."""
    now = [0.0]
    arn, value = app_secret
    credentials = DatabaseCredentials(arn, secrets, ttl_seconds=300, clock=lambda: now[0])
    through_a_window(credentials, secrets, arn)
    driver = RotationDriver(secrets, arn)
    clone, clone_password, second = f"{value['username']}_c", new_password(), str(uuid.uuid4())
    server.create_user(clone, clone_password, "appdb")
    secrets.put_secret_value(
        SecretId=arn,
        ClientRequestToken=second,
        VersionStages=[AWSPENDING],
        SecretString=json.dumps({**value, "username": clone, "password": clone_password}),
    )
    driver.finish_secret(second)
    users = []
    for moment in (100.0, 200.0, 299.0, 300.0, 301.0):
        now[0] = moment
        users += open_and_close(credentials)
    assert users == [value["username"]] * 3 + [clone] * 2
    assert credentials.working_pending() is None and credentials.current().version_id == second


def test_a_pending_value_naming_another_endpoint_is_never_kept(server, secrets, app_secret):
    """Someone who can write AWSPENDING points it elsewhere (here "localhost", which reaches
    the same server): connect() tries it only after AWSCURRENT was refused, as before, and
    pays the whole fallback every time instead of keeping it."""
    arn, value = app_secret
    credentials = warm_credentials(arn, secrets)
    driver, token = RotationDriver(secrets, arn), str(uuid.uuid4())
    secrets.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        VersionStages=[AWSPENDING],
        SecretString=json.dumps({**value, "host": "localhost", "password": new_password()}),
    )
    driver.set_secret(token)
    reads, refused_before = Reads(secrets), server.status("Access_denied_errors")
    open_and_close(credentials, 3)
    assert server.status("Access_denied_errors") - refused_before == 3
    assert reads.stages == [AWSCURRENT, AWSPENDING] * 3
    assert credentials.working_pending() is None


def test_moving_awscurrent_drops_the_kept_version_at_once(server, secrets, app_secret):
    arn, _ = app_secret
    credentials = warm_credentials(arn, secrets)
    token = start_window(secrets, arn)
    open_and_close(credentials)
    RotationDriver(secrets, arn).finish_secret(token)
    assert credentials.working_pending() is not None
    credentials.refresh()
    assert credentials.working_pending() is None


def test_without_a_cache_nothing_is_kept(server, secrets, app_secret):
    arn, _ = app_secret
    credentials = DatabaseCredentials(arn, secrets, ttl_seconds=0)
    start_window(secrets, arn)
    open_and_close(credentials, 2)
    assert credentials.working_pending() is None
