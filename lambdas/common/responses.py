"""API Gateway HTTP API (payload format 2.0) proxy responses with JSON bodies.

Every Lambda behind an HTTP API or a Function URL answers through these two helpers, so
error bodies look the same everywhere: ``{"error": CODE, "message": ...}``.
"""

from __future__ import annotations

import json

JSON_CONTENT_TYPE = "application/json"


def json_response(status: int, body: dict, headers: dict | None = None) -> dict:
    """A proxy response whose body is ``body`` serialised as JSON."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> dict:
    """A proxy response with the shared error body; ``message`` must be safe to show a caller."""
    return json_response(status, {"error": code, "message": message}, headers)
