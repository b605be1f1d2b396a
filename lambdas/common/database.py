"""Database connections that survive a rotation of their secret.

- ``connect(credentials)``: a PyMySQL connection over TLS, with one ``ssl.SSLContext`` per
  container (``lambdas.common.tls.tls_context``). Only when the database refuses the credentials (MySQL error
  1045) does it refresh AWSCURRENT, then try AWSPENDING, then re-read AWSCURRENT once more
  (finishSecret may have promoted the pending version between two reads). A pending version
  that worked is kept (``working_pending``) so that the rest of the rotation window costs
  nothing extra. A failure to *fetch* the secret (permissions, KMS, network) raises
  ``SecretFetchError`` at once: a fallback would only hide it.
- ``ReusableConnection``: one connection kept across invocations, re-opened through
  ``connect`` when the server has gone away (never PyMySQL's own reconnect, which would
  reuse a password that may have rotated).

The secret's versions come from ``lambdas.common.database_secret``. No error message, log
line or ``repr`` here contains a password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymysql

from lambdas.common.database_secret import Credentials, DatabaseCredentials
from lambdas.common.errors import PlatformError
from lambdas.common.tls import tls_context

ACCESS_DENIED = 1045  # ER_ACCESS_DENIED_ERROR: wrong user or password


class CredentialsRejected(PlatformError):
    """The database refused every version of the secret that was tried."""

    def __init__(self, secret_id: str, tried: list[str]) -> None:
        super().__init__(
            "CREDENTIALS_REJECTED",
            f"the database refused the credentials of secret {secret_id} (tried {', '.join(tried)})",
        )
        self.secret_id, self.tried = secret_id, tried


def connect(credentials: DatabaseCredentials, **pymysql_kwargs: Any) -> pymysql.connections.Connection:
    """A new TLS connection; falls back through the rotation's versions only on error 1045.

    Order: the AWSPENDING version that last worked, if it is still worth trying
    (``working_pending``); cached AWSCURRENT; then, one thread at a time, ``working_pending``
    again (another thread may have just kept one); refreshed AWSCURRENT; AWSPENDING (when on
    another version; kept when accepted); AWSCURRENT re-read (finishSecret may have just
    promoted the pending version and removed its label). Versions already refused are not
    tried twice. Any other database error and every fetch failure propagate at once.
    ``ssl`` defaults to ``tls_context()``; pass another context (or ``ssl_disabled``) to override.
    """
    kwargs = {"ssl": tls_context(), **pymysql_kwargs}
    tried: list[str] = []
    refused: set[tuple[str, str]] = set()

    def attempt(candidate: Credentials | None) -> pymysql.connections.Connection | None:
        if candidate is None or (candidate.username, candidate.password) in refused:
            return None
        tried.append(f"{candidate.stage} {candidate.version_id or '?'}")
        try:
            return pymysql.connect(**{**candidate.connect_kwargs(), **kwargs})
        except pymysql.err.OperationalError as error:
            if not error.args or error.args[0] != ACCESS_DENIED:
                raise
            refused.add((candidate.username, candidate.password))
            return None

    remembered = credentials.working_pending()
    if remembered is not None:
        connection = attempt(remembered)
        if connection is not None:
            return connection
        credentials.forget_pending(remembered)
    connection = attempt(credentials.current()) or _fall_back(credentials, attempt)
    if connection is None:
        raise CredentialsRejected(credentials.secret_id, tried)
    return connection


def _fall_back(
    credentials: DatabaseCredentials, attempt: Callable[[Credentials | None], pymysql.connections.Connection | None]
) -> pymysql.connections.Connection | None:
    """One thread at a time; the others then find the version it kept (``working_pending``)."""
    with credentials.fallback_lock:
        for next_candidate in (
            credentials.working_pending,
            credentials.refresh,
            credentials.pending,
            credentials.refresh,
        ):
            candidate = next_candidate()
            connection = attempt(candidate)
            if connection is not None:
                if candidate is not None and next_candidate == credentials.pending:  # newly read: keep it
                    credentials.remember_pending(candidate)
                return connection
    return None


class ReusableConnection:
    """One connection per container, checked with a ping and re-opened when gone."""

    def __init__(self, credentials: DatabaseCredentials, **pymysql_kwargs: Any) -> None:
        self.credentials = credentials
        self._kwargs = pymysql_kwargs
        self._connection: pymysql.connections.Connection | None = None
        self.opened = 0

    def get(self) -> pymysql.connections.Connection:
        if self._connection is not None:
            try:
                self._connection.ping(reconnect=False)
                return self._connection
            except pymysql.err.Error:
                self.close()
        self._connection = connect(self.credentials, **self._kwargs)
        self.opened += 1
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except pymysql.err.Error:
                pass
