"""The database secret's versions from Secrets Manager, as they change during a rotation.

- ``DatabaseCredentials``: the secret's AWSCURRENT value, cached per container for a TTL;
  ``refresh()`` re-reads it, ``pending()`` reads AWSPENDING when a rotation is under way.
  When ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` is set and the AWS Parameters and
  Secrets Lambda Extension answers, cached reads go through it; ``refresh()`` and
  ``pending()`` always ask Secrets Manager, since the extension may hold the old value.
  A failure to *fetch* the secret (permissions, KMS, network) raises ``SecretFetchError``.
- ``rotation_health(secret_id)``: what DescribeSecret says about the rotation.

No error message, log line or ``repr`` here contains a password. Connections are opened by
``lambdas.common.database``.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import PlatformError, aws_error_code

AWSCURRENT = "AWSCURRENT"
AWSPENDING = "AWSPENDING"
DEFAULT_TTL_SECONDS = 300
EXTENSION_PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
EXTENSION_TIMEOUT_SECONDS = 1.0
SECRET_FIELDS = ("username", "password")

# Fail fast: a stuck Secrets Manager call should become an error, not a Lambda timeout.
SECRETS_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})


class SecretFetchError(PlatformError):
    """The secret could not be read. ``code`` is an AWS error code or one of ours
    (``SECRET_MALFORMED``, ``SECRET_NOT_TEXT``, ``EXTENSION_ERROR``); safe to log."""

    def __init__(self, secret_id: str, stage: str, code: str) -> None:
        super().__init__(code, f"could not read {stage} of secret {secret_id}: {code}")
        self.secret_id, self.stage = secret_id, stage


@dataclass(frozen=True)
class Credentials:
    """One version of the secret. The password never appears in ``repr``."""

    version_id: str
    stage: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    dbname: str | None = None

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.username,
            "password": self.password,
        }
        if self.dbname:
            kwargs["database"] = self.dbname
        return kwargs

    def same_endpoint(self, other: Credentials) -> bool:
        return (self.host, self.port, self.dbname) == (other.host, other.port, other.dbname)


class DatabaseCredentials:
    """The secret's versions, AWSCURRENT cached for ``ttl_seconds``; thread-safe.

    ``defaults`` supplies ``host``, ``port`` and ``dbname`` for secrets that hold only a
    username and password (the secret RDS manages itself); the secret's own values win.
    """

    def __init__(
        self,
        secret_id: str,
        secrets_client: Any = None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        environ: Mapping[str, str] = os.environ,
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self.secret_id = secret_id
        self.defaults = dict(defaults or {})
        self.ttl_seconds = ttl_seconds
        self._client = secrets_client
        self._clock = clock
        self._environ = environ
        self._lock = threading.Lock()
        self.fallback_lock = threading.Lock()  # held by connect() while it falls back
        self._current: Credentials | None = None
        self._fetched_at = 0.0
        # AWSPENDING that the database accepted, when, and the AWSCURRENT version it stood beside.
        self._pending: tuple[Credentials, float, str] | None = None
        self.fetches = 0  # calls that left the container's cache (for benchmarks and tests)

    def current(self) -> Credentials:
        """AWSCURRENT, from the cache while it is younger than the TTL."""
        with self._lock:
            if self._current is not None and self._clock() - self._fetched_at < self.ttl_seconds:
                return self._current
        return self._store(self._read(AWSCURRENT, through_extension=True))

    def refresh(self) -> Credentials:
        """AWSCURRENT, read from Secrets Manager now."""
        return self._store(self._read(AWSCURRENT, through_extension=False))

    def pending(self) -> Credentials | None:
        """AWSPENDING when it labels another version than the cached AWSCURRENT, else None."""
        current = self.current()
        try:
            pending = self._read(AWSPENDING, through_extension=False)
        except SecretFetchError as error:
            if error.code == "ResourceNotFoundException":  # no version has the label
                return None
            raise
        return None if pending.version_id == current.version_id else pending

    def working_pending(self) -> Credentials | None:
        """The AWSPENDING version the database last accepted, while it is worth trying first:
        for ``ttl_seconds`` after it first worked, as long as AWSCURRENT is the version it
        stood beside (not extended by use, so a demoted version cannot live on under traffic)."""
        with self._lock:
            if self._pending is None:
                return None
            pending, since, beside = self._pending
            if (
                self._clock() - since < self.ttl_seconds
                and self._current is not None
                and self._current.version_id == beside
            ):
                return pending
            self._pending = None
            return None

    def remember_pending(self, pending: Credentials) -> None:
        """Keep an AWSPENDING version the database accepted; only one at the AWSCURRENT
        endpoint (a pending value naming another host is tried as before, never kept)."""
        with self._lock:
            current = self._current
            if pending.stage == AWSPENDING and current is not None and pending.same_endpoint(current):
                self._pending = (pending, self._clock(), current.version_id)

    def forget_pending(self, refused: Credentials) -> None:
        """Drop the kept version the database refused (not one another thread kept since)."""
        with self._lock:
            if self._pending is not None and self._pending[0] is refused:
                self._pending = None

    def _store(self, credentials: Credentials) -> Credentials:
        with self._lock:
            if self._pending is not None and self._pending[2] != credentials.version_id:
                self._pending = None  # AWSCURRENT moved: the rotation is over or another began
            self._current, self._fetched_at = credentials, self._clock()
        return credentials

    def _read(self, stage: str, through_extension: bool) -> Credentials:
        with self._lock:
            self.fetches += 1
        response = self._via_extension(stage) if through_extension else None
        if response is None:
            response = self._via_api(stage)
        return self._parse(response, stage)

    def _via_api(self, stage: str) -> Mapping[str, Any]:
        try:
            return self.secrets_client().get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        except (ClientError, BotoCoreError) as error:
            raise SecretFetchError(self.secret_id, stage, aws_error_code(error)) from None

    def _via_extension(self, stage: str) -> Mapping[str, Any] | None:
        """The extension's answer; None when it is not configured or not listening."""
        port = self._environ.get(EXTENSION_PORT_VARIABLE, "").strip()
        if not port:
            return None
        query = urllib.parse.urlencode({"secretId": self.secret_id, "versionStage": stage})
        request = urllib.request.Request(
            f"http://localhost:{port}/secretsmanager/get?{query}",
            headers={"X-Aws-Parameters-Secrets-Token": self._environ.get("AWS_SESSION_TOKEN", "")},
        )
        try:
            with urllib.request.urlopen(request, timeout=EXTENSION_TIMEOUT_SECONDS) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            # The extension answered: the fetch failed (it relays AWS's error code when it can).
            raise SecretFetchError(self.secret_id, stage, _extension_error_code(error)) from None
        except (urllib.error.URLError, OSError, ValueError, RecursionError, http.client.HTTPException):
            return None  # not listening (yet) or a garbled answer: Secrets Manager directly

    def secrets_client(self) -> Any:
        if self._client is None:
            self._client = boto3.client(
                "secretsmanager", region_name=self._environ.get("AWS_REGION"), config=SECRETS_CLIENT_CONFIG
            )
        return self._client

    def _parse(self, response: Mapping[str, Any], stage: str) -> Credentials:
        if not isinstance(response.get("SecretString"), str):
            raise SecretFetchError(self.secret_id, stage, "SECRET_NOT_TEXT")
        try:
            value = {**self.defaults, **json.loads(response["SecretString"])}
            if not all(isinstance(value.get(name), str) and value[name] for name in (*SECRET_FIELDS, "host")):
                raise ValueError
            return Credentials(
                version_id=str(response.get("VersionId", "")),
                stage=stage,
                host=value["host"],
                port=int(value.get("port", 3306)),
                username=value["username"],
                password=value["password"],
                dbname=value.get("dbname") or None,
            )
        except (ValueError, TypeError, AttributeError, RecursionError):
            raise SecretFetchError(self.secret_id, stage, "SECRET_MALFORMED") from None


def _extension_error_code(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
        code = body.get("__type") or body.get("Code") or body.get("code")
        return str(code).rsplit("#", 1)[-1] if code else f"EXTENSION_HTTP_{error.code}"
    except (ValueError, AttributeError, OSError):
        return f"EXTENSION_HTTP_{error.code}"


def rotation_health(secret_id: str, secrets_client: Any = None) -> dict[str, Any]:
    """Rotation state from DescribeSecret (which never returns the secret's value)."""
    client = secrets_client or boto3.client(
        "secretsmanager", region_name=os.environ.get("AWS_REGION"), config=SECRETS_CLIENT_CONFIG
    )
    try:
        secret = client.describe_secret(SecretId=secret_id)
    except (ClientError, BotoCoreError) as error:
        raise SecretFetchError(secret_id, "DescribeSecret", aws_error_code(error)) from None
    stages = secret.get("VersionIdsToStages") or {}
    current = {version for version, labels in stages.items() if AWSCURRENT in labels}
    pending = {version for version, labels in stages.items() if AWSPENDING in labels}
    return {
        "rotation_enabled": bool(secret.get("RotationEnabled", False)),
        "has_current_version": bool(current),
        "rotation_in_progress": bool(pending - current),
        "last_rotated": _iso(secret.get("LastRotatedDate")),
        "next_rotation": _iso(secret.get("NextRotationDate")),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)
