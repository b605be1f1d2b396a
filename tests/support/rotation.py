"""The four steps of AWS's hosted MySQLSingleUser rotation function, against a real server.

As ``SecretsManagerRDSMySQLRotationSingleUser`` (lambda_function.py) does them:

- createSecret: a new password in a new version labelled AWSPENDING;
- setSecret: log in with AWSCURRENT as the user itself and change its own password with
  ``SET PASSWORD = PASSWORD(%s)`` (the MySQL 5.7 / MariaDB form the template uses);
- testSecret: log in with AWSPENDING and run a query;
- finishSecret: move AWSCURRENT to the new version (the old one becomes AWSPREVIOUS),
  after which the service removes the AWSPENDING label.

``in_window`` is called between setSecret and testSecret: the database already takes only
the new password while AWSCURRENT still holds the old one. Tests use it to make sure the
workers really try to connect in that window, instead of hoping for a lucky schedule.
``windows`` holds each rotation's (start of setSecret, end of finishSecret) on the
``time.perf_counter`` clock, which ``LoadRun.samples`` uses too.

``NaiveConnector`` is the source document's first idea: AWSCURRENT cached, no fallback.
Both log in over TLS with the shared ``tls_context()``, so that building PyMySQL's context on
every connect (about 20 ms of CPU) does not slow the tests or the benchmark's other threads.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pymysql

from lambdas.common.database_secret import AWSCURRENT, AWSPENDING
from lambdas.common.tls import tls_context

DEFAULT_EXCLUDED = "\"@/\\'"


def new_password(length: int = 32, exclude: str = DEFAULT_EXCLUDED) -> str:
    alphabet = [c for c in string.ascii_letters + string.digits + string.punctuation if c not in exclude]
    return "".join(secrets.choice(alphabet) for _ in range(length))


class RotationDriver:
    def __init__(self, client: Any, secret_id: str) -> None:
        self.client, self.secret_id = client, secret_id
        self.rotations = 0
        self.windows: list[tuple[float, float]] = []

    def rotate(self, in_window: Callable[[], None] = lambda: None) -> str:
        token = str(uuid.uuid4())
        self.create_secret(token)
        opened = time.perf_counter()
        self.set_secret(token)
        in_window()
        self.test_secret(token)
        self.finish_secret(token)
        self.windows.append((opened, time.perf_counter()))
        self.rotations += 1
        return token

    def _value(self, stage: str, version_id: str | None = None) -> dict:
        kwargs = {"VersionId": version_id} if version_id else {}
        return json.loads(
            self.client.get_secret_value(SecretId=self.secret_id, VersionStage=stage, **kwargs)["SecretString"]
        )

    def create_secret(self, token: str) -> None:
        current = self._value(AWSCURRENT)
        self.client.put_secret_value(
            SecretId=self.secret_id,
            ClientRequestToken=token,
            SecretString=json.dumps({**current, "password": new_password()}),
            VersionStages=[AWSPENDING],
        )

    def set_secret(self, token: str) -> None:
        current, pending = self._value(AWSCURRENT), self._value(AWSPENDING, token)
        with _login(current) as connection, connection.cursor() as cursor:
            cursor.execute("SET PASSWORD = PASSWORD(%s)", (pending["password"],))

    def test_secret(self, token: str) -> None:
        with _login(self._value(AWSPENDING, token)) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT NOW()")

    def finish_secret(self, token: str) -> None:
        stages = self.client.describe_secret(SecretId=self.secret_id)["VersionIdsToStages"]
        current = next(version for version, labels in stages.items() if AWSCURRENT in labels)
        self.client.update_secret_version_stage(
            SecretId=self.secret_id, VersionStage=AWSCURRENT, MoveToVersionId=token, RemoveFromVersionId=current
        )
        self.client.update_secret_version_stage(
            SecretId=self.secret_id, VersionStage=AWSPENDING, RemoveFromVersionId=token
        )


def _login(value: dict, **options: Any) -> pymysql.connections.Connection:
    """A connection with a secret's value, over TLS; ``options`` are pymysql's (they win over the defaults)."""
    return pymysql.connect(
        host=value["host"],
        port=int(value["port"]),
        user=value["username"],
        password=value["password"],
        database=value.get("dbname"),
        **{"connect_timeout": 5, "ssl": tls_context(), **options},
    )


class NaiveConnector:
    """AWSCURRENT cached for a TTL; whatever the database says is final."""

    def __init__(self, client: Any, secret_id: str, ttl_seconds: float = 300) -> None:
        self.client, self.secret_id, self.ttl_seconds = client, secret_id, ttl_seconds
        self._value: dict | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def connect(self, **kwargs: Any) -> pymysql.connections.Connection:
        with self._lock:
            if self._value is None or time.monotonic() - self._fetched_at >= self.ttl_seconds:
                response = self.client.get_secret_value(SecretId=self.secret_id, VersionStage=AWSCURRENT)
                self._value, self._fetched_at = json.loads(response["SecretString"]), time.monotonic()
            value = self._value
        return _login(value, **{"connect_timeout": 10, **kwargs})  # 10: pymysql's own default


def failure_reason(error: Exception) -> str:
    """``Type: code message`` for a MySQL error (its message names a user, never a password)."""
    if not error.args:
        return type(error).__name__
    detail = " ".join(str(arg) for arg in error.args[:2])
    return f"{type(error).__name__}: {detail[:100]}"


class LoadRun:
    """Worker threads that open fresh connections and run ``SELECT 1`` until stopped.

    ``wait_for_attempts(n)`` blocks until every worker has started ``n`` more attempts since
    the call: the rotation driver's ``in_window`` uses it so each worker connects at least
    once while the database and AWSCURRENT disagree. ``samples`` holds every attempt as
    (start, connect seconds or None, failure or None).
    """

    def __init__(self, open_connection: Callable[[], pymysql.connections.Connection], workers: int) -> None:
        self.open_connection = open_connection
        self.workers = workers
        self.queries = 0
        self.failures: list[str] = []
        self.connect_seconds: list[float] = []
        self.samples: list[tuple[float, float | None, str | None]] = []
        self._attempts = [0] * workers
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._threads = [threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(workers)]

    def __enter__(self) -> LoadRun:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _work(self, index: int) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                connection = self.open_connection()
                elapsed = time.perf_counter() - started
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
                        assert cursor.fetchone() == (1,)
                finally:
                    connection.close()
                outcome = None
            except Exception as error:  # noqa: BLE001 - every failure is counted
                elapsed, outcome = None, failure_reason(error)
            with self._changed:
                self.queries += 1
                self.samples.append((started, elapsed, outcome))
                if outcome is None:
                    self.connect_seconds.append(elapsed)
                else:
                    self.failures.append(outcome)
                self._attempts[index] += 1
                self._changed.notify_all()

    def wait_for_attempts(self, count: int = 1, timeout: float = 60) -> None:
        with self._changed:
            # An attempt counts only if it started after this call: +1 for one in flight.
            targets = [done + count + 1 for done in self._attempts]
            if not self._changed.wait_for(
                lambda: all(a >= t for a, t in zip(self._attempts, targets, strict=False)), timeout=timeout
            ):
                raise RuntimeError("workers stopped making progress")
