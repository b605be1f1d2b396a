"""Settings of the JWKS endpoint (``iam-platform:jwks``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from components.settings.base import SecretName, Settings
from components.settings.http_api import ThrottleSettings

PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})


class JwksSettings(Settings):
    enabled: bool = True
    secret_name: SecretName | None = None
    cache_ttl_seconds: int = Field(600, ge=0, le=86400)
    fallback_keys: list[dict[str, Any]] | None = None
    reserved_concurrency: int | None = Field(None, ge=1, le=1000)
    throttle: ThrottleSettings = ThrottleSettings()

    @field_validator("fallback_keys")
    @classmethod
    def _public_keys_only(cls, keys: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        for key in keys or ():
            private = sorted(PRIVATE_JWK_MEMBERS & key.keys())
            if private or key.get("kty") == "oct":
                raise ValueError(
                    f"key {key.get('kid', '?')!r} holds private material "
                    f"({', '.join(private) or 'kty oct'}); fallback keys must be public"
                )
            if not key.get("kid") or not key.get("kty"):
                raise ValueError("every fallback key needs kty and kid")
        return keys
