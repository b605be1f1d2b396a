"""One fail-closed view of an HTTP request event: API Gateway HTTP API or a Lambda Function
URL, payload format 2.0 (sample: tests/lambdas/events/http_api_v2.json).

``HttpRequest.of(event)`` never raises: whatever the event's shape, each field is what the
event carries with the right type, or None (``headers`` empty) when it carries nothing
usable. Only ``body()`` raises, ``UnreadableBody``, when a body is there but cannot be read,
so an unreadable body never passes for an empty one.

The names follow Powertools' ``APIGatewayProxyEventV2`` (``path`` without a named stage,
``request_context.authorizer.iam.user_arn``), which is not used itself: it raises
``KeyError``/``TypeError`` on a malformed event instead of failing closed, and importing its
data classes costs the TVM and the authorizer, which load no Powertools, about 20 ms per cold start.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambdas.common.errors import PlatformError


class UnreadableBody(PlatformError):
    """The body is not a string, or not valid base64 when the event says it is encoded."""

    status = 400

    def __init__(self) -> None:
        super().__init__("UNREADABLE_BODY", "the request body is unreadable")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class HttpRequest:
    """What a handler may read of a request; every field None when the event lacks it."""

    method: str | None = None
    path: str | None = None  # rawPath (else requestContext.http.path), without a named stage
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased, string values only
    query: Mapping[str, Any] | None = None  # queryStringParameters, as sent
    raw_query: str | None = None
    caller_arn: str | None = None  # requestContext.authorizer.iam.userArn (IAM auth)
    account_id: str | None = None  # requestContext.accountId: the API's own account
    request_id: str | None = None
    raw_body: object = None
    base64_encoded: bool = False

    @classmethod
    def of(cls, event: object) -> HttpRequest | None:
        """The view of ``event``; None when it is not an object at all."""
        if not isinstance(event, Mapping):
            return None
        context = _mapping(event.get("requestContext"))
        http = _mapping(context.get("http"))
        query = event.get("queryStringParameters")
        return cls(
            method=_text(http.get("method")),
            path=_without_stage(_text(event.get("rawPath")) or _text(http.get("path")), context.get("stage")),
            headers={str(k).lower(): v for k, v in _mapping(event.get("headers")).items() if isinstance(v, str)},
            query=query if isinstance(query, Mapping) else None,
            raw_query=_text(event.get("rawQueryString")),
            caller_arn=_text(_mapping(_mapping(context.get("authorizer")).get("iam")).get("userArn")),
            account_id=_text(context.get("accountId")) or None,
            request_id=_text(context.get("requestId")),
            raw_body=event.get("body"),
            base64_encoded=event.get("isBase64Encoded") is True,
        )

    def body(self) -> bytes | None:
        """The decoded body; None when the event has none; ``UnreadableBody`` when it cannot be read."""
        if self.raw_body is None:
            return None
        if not isinstance(self.raw_body, str):
            raise UnreadableBody()
        if not self.base64_encoded:
            return self.raw_body.encode("utf-8", "surrogatepass")
        try:
            return base64.b64decode(self.raw_body, validate=True)
        except (binascii.Error, ValueError):
            raise UnreadableBody() from None


def _without_stage(path: str | None, stage: object) -> str | None:
    """``/prod/x`` is ``/x`` on a stage named prod; the ``$default`` stage adds no prefix."""
    if path is None or not isinstance(stage, str) or not stage or stage == "$default":
        return path
    prefix = "/" + stage
    return path[len(prefix) :] if path.startswith(prefix) else path
