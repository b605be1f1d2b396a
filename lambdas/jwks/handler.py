"""Public JWKS endpoint behind an API Gateway HTTP API (payload format 2.0).

Routes:
- ``GET /.well-known/jwks.json``: 200 ``{"keys": [...]}`` with ``X-JWKS-Source`` set to
  ``aws``, ``cache``, ``stale`` or ``fallback`` (see ``lambdas.jwks.cache``), and
  ``Cache-Control: public, max-age=<ttl>`` (shorter while stale or on fallback keys);
  503 ``KEYS_UNAVAILABLE`` with ``Cache-Control: no-store`` when there is nothing to serve.
- the same path with any other method: 405 ``METHOD_NOT_ALLOWED``.
- any other path, or an event that is not an HTTP API request (no ``rawPath``): 404
  ``NOT_FOUND``; the JWKS path without a readable method: 405 ``METHOD_NOT_ALLOWED``.
- a missing or invalid setting: 500 ``MISCONFIGURED`` (the log names the setting).

Environment (set by the component):
- ``JWKS_SECRET_ID``: ARN or name of the secret holding the key document (required).
- ``JWKS_CACHE_TTL_SECONDS``: how long fetched keys stay fresh; default 600.
- ``JWKS_FALLBACK_KEYS``: optional key document served when Secrets Manager fails and
  this container has no last good keys.
- ``POWERTOOLS_SERVICE_NAME``, ``AWS_REGION``.

Routing is a plain dispatch rather than ``APIGatewayHttpResolver``: with one route, it
gives 404 and 405 their own error bodies in a few lines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from lambdas.common.container import ContainerState
from lambdas.common.events import HttpRequest
from lambdas.common.responses import error_response, json_response
from lambdas.common.settings import SettingsError, required, whole_number
from lambdas.jwks.cache import FALLBACK, STALE, KeyCache, KeysUnavailable
from lambdas.jwks.keys import KeyDocumentError, load_public_keys
from lambdas.jwks.secret_store import fetch_public_keys

JWKS_PATH = "/.well-known/jwks.json"
DEFAULT_TTL_SECONDS = 600
DEGRADED_MAX_AGE_SECONDS = 60

# Fail fast, so a Secrets Manager outage turns into stale keys rather than a timeout.
SECRETS_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})

logger = Logger()

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@dataclass(frozen=True)
class Settings:
    secret_id: str
    ttl_seconds: int
    fallback_keys: list[dict] | None


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    return Settings(
        secret_id=required(environ, "JWKS_SECRET_ID"),
        ttl_seconds=whole_number(environ, "JWKS_CACHE_TTL_SECONDS", DEFAULT_TTL_SECONDS),
        fallback_keys=_fallback_keys(environ.get("JWKS_FALLBACK_KEYS")),
    )


def _fallback_keys(raw: str | None) -> list[dict] | None:
    if raw is None or not raw.strip():
        return None
    try:
        return load_public_keys(raw)
    except KeyDocumentError as error:
        # Logged at every cold start, but not fatal: the keys in Secrets Manager still work.
        logger.error("JWKS_FALLBACK_KEYS is unusable; ignoring it", extra={"error_code": error.code})
        return None


@dataclass
class Container:
    """What one Lambda container keeps between invocations."""

    settings: Settings
    client: object
    cache: KeyCache

    def fetch(self) -> list[dict]:
        return fetch_public_keys(self.client, self.settings.secret_id)


def _build_container(overrides: Mapping[str, Any]) -> Container:
    settings = load_settings()
    client = overrides.get("client") or boto3.client(
        "secretsmanager", region_name=os.environ.get("AWS_REGION"), config=SECRETS_CLIENT_CONFIG
    )
    return Container(settings, client, KeyCache(settings.ttl_seconds, overrides.get("clock") or time.monotonic))


_state: ContainerState[Container] = ContainerState(_build_container)


def reset_state(**overrides: Any) -> None:
    """Forget the container's keys and client (for tests): the next call starts cold.
    Overrides: ``clock`` (monotonic seconds), ``client`` (a Secrets Manager client)."""
    _state.reset(**overrides)


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    request = HttpRequest.of(event)
    path, method = (request.path, request.method) if request else (None, None)
    if path != JWKS_PATH:
        return error_response(404, "NOT_FOUND", "No such resource.")
    if method != "GET":
        return error_response(405, "METHOD_NOT_ALLOWED", "Use GET.", {"Allow": "GET"})
    try:
        container = _state.get()
    except SettingsError as error:
        logger.error("JWKS endpoint misconfigured", extra={"problem": str(error)})
        return error_response(500, "MISCONFIGURED", "The key service is not configured correctly.")
    return serve_jwks(container)


def serve_jwks(container: Container) -> dict:
    try:
        key_set = container.cache.get(container.fetch, container.settings.fallback_keys)
    except KeysUnavailable as error:
        message = "Signing keys are temporarily unavailable."
        return error_response(error.status, error.code, message, {"Cache-Control": "no-store"})
    max_age = _max_age(key_set.source, container.settings.ttl_seconds)
    headers = {"Cache-Control": f"public, max-age={max_age}", "X-JWKS-Source": key_set.source}
    return json_response(200, {"keys": key_set.keys}, headers)


def _max_age(source: str, ttl_seconds: int) -> int:
    if source in (STALE, FALLBACK):
        return min(ttl_seconds, DEGRADED_MAX_AGE_SECONDS)
    return ttl_seconds
