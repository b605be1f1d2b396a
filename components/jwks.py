"""JwksEndpoint: public signing keys from Secrets Manager, served at a public URL."""

from __future__ import annotations

import json

import pulumi

from components.function import FunctionSpec, ServiceFunction
from components.http_api import ApiRoute, HttpApi
from components.platform import Platform
from components.secrets import OperatorSecret
from components.settings.jwks import JwksSettings

JWKS_ROUTE = "GET /.well-known/jwks.json"
EMPTY_KEY_SET = json.dumps({"keys": []})


class JwksEndpoint(pulumi.ComponentResource):
    """A secret of public keys, a function that may read only that secret, and an HTTP
    API whose one route is public on purpose (the pack exempts it by route key)."""

    url: pulumi.Output[str]
    secret_arn: pulumi.Output[str]

    def __init__(
        self, name: str, settings: JwksSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:jwks:JwksEndpoint", name, None, opts)
        # An empty key set makes a fresh stack answer 200; operators put the real keys.
        secret = OperatorSecret(
            settings.secret_name or f"{platform.project}/{platform.stack}/jwt/public-keys",
            "Public JWT signing keys (JWKS or an object keyed by kid); never private keys",
            "public keys only - rotated by publishing a new kid, not by Secrets Manager",
            initial_value=EMPTY_KEY_SET,
        ).declare(f"{name}-keys", platform, self)
        function = ServiceFunction(
            f"{name}-fn",
            FunctionSpec(
                code="jwks",
                description="Serves the public JWKS from Secrets Manager",
                statements=secret.read_statements(),
                environment=_environment(settings, secret.arn),
                reserved_concurrency=settings.reserved_concurrency,
            ),
            platform,
            opts=pulumi.ResourceOptions(parent=self),
        )
        api = HttpApi(
            f"{name}-api",
            function.function,
            [ApiRoute(JWKS_ROUTE, public=True)],
            settings.throttle,
            platform,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.url = pulumi.Output.concat(api.endpoint, "/.well-known/jwks.json")
        self.secret_arn = secret.arn
        self.register_outputs({"url": self.url, "secretArn": self.secret_arn})


def _environment(settings: JwksSettings, secret_arn: pulumi.Output[str]) -> dict[str, pulumi.Input[str]]:
    environment: dict[str, pulumi.Input[str]] = {
        "JWKS_SECRET_ID": secret_arn,
        "JWKS_CACHE_TTL_SECONDS": str(settings.cache_ttl_seconds),
    }
    if settings.fallback_keys:
        environment["JWKS_FALLBACK_KEYS"] = json.dumps({"keys": settings.fallback_keys}, sort_keys=True)
    return environment
