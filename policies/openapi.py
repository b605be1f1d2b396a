"""The operations of an API Gateway OpenAPI definition (a RestApi's or an HTTP Api's ``body``) and the
authorization API Gateway gives each one.

API Gateway reads authorization from the ``security`` of an operation (or the document's), naming
security schemes (OpenAPI 3 ``components.securitySchemes``, Swagger 2 ``securityDefinitions``) that
carry API Gateway's extensions: ``x-amazon-apigateway-authtype`` (``awsSigv4``, ``cognito_user_pools``,
``custom``) and ``x-amazon-apigateway-authorizer`` (``type``: ``token``, ``request``,
``cognito_user_pools``, ``jwt``). An operation without security, or whose only schemes are API keys,
is unauthenticated (``NONE``): an API key identifies a usage plan, not a caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")
_AUTHTYPES = {"awssigv4": "AWS_IAM", "cognito_user_pools": "COGNITO_USER_POOLS", "custom": "CUSTOM"}
_AUTHORIZER_TYPES = {"token": "CUSTOM", "request": "CUSTOM", "cognito_user_pools": "COGNITO_USER_POOLS", "jwt": "JWT"}


class OpenApiError(ValueError):
    """The body is not a JSON or YAML OpenAPI object."""


@dataclass(frozen=True)
class Operation:
    method: str  # "GET", "ANY" for x-amazon-apigateway-any-method
    path: str
    authorization: str  # AWS_IAM, COGNITO_USER_POOLS, CUSTOM, JWT or NONE

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def operations(body: Any) -> Iterator[Operation]:
    document = _load(body)
    schemes = {
        **_mapping(document.get("securityDefinitions")),
        **_mapping(_mapping(document.get("components")).get("securitySchemes")),
    }
    default_security = document.get("security")
    for path, item in _mapping(document.get("paths")).items():
        for method, operation in _mapping(item).items():
            if method.lower() not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            security = operation.get("security", default_security)
            name = "ANY" if method.lower() == "x-amazon-apigateway-any-method" else method.upper()
            yield Operation(name, str(path), _authorization(security, schemes))


def _load(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if not isinstance(body, str):
        raise OpenApiError("the body must be an OpenAPI document (a JSON or YAML string)")
    try:
        document = json.loads(body)
    except ValueError:
        document = _yaml(body)
    if not isinstance(document, dict):
        raise OpenApiError("the body is not an OpenAPI object")
    return document


def _yaml(body: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as error:
        raise OpenApiError(f"the body is neither JSON nor YAML ({error.__class__.__name__})") from None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _authorization(security: Any, schemes: dict[str, Any]) -> str:
    """The first API Gateway authorization among the requirements; NONE if an alternative has none."""
    if not isinstance(security, list) or not security:
        return "NONE"
    found: str | None = None
    for requirement in security:
        types = [_scheme_type(schemes.get(name)) for name in _mapping(requirement)]
        types = [t for t in types if t is not None]
        if not types:
            return "NONE"  # this alternative lets a caller through without authorization
        found = found or types[0]
    return found or "NONE"


def _scheme_type(scheme: Any) -> str | None:
    scheme = _mapping(scheme)
    authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
    if authtype in _AUTHTYPES:
        return _AUTHTYPES[authtype]
    authorizer = _mapping(scheme.get("x-amazon-apigateway-authorizer"))
    return _AUTHORIZER_TYPES.get(str(authorizer.get("type", "")).lower())
