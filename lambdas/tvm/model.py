"""What one TVM request carries in and out, independent of the HTTP event shape.

``ApiError`` is every refusal, with its documented ``ErrorCode`` and status; ``Outcome`` the
decision log's fields, filled in as the request goes along; ``VendRequest`` what a caller asks
for; ``Settings`` the function's environment, read once per container.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lambdas.common.errors import PlatformError
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.rules import MAX_DURATION, MIN_DURATION


class ApiError(PlatformError):
    """A refusal with its documented code and status; ``message`` is shown, ``reason`` only logged."""

    code: ErrorCode

    def __init__(self, code: ErrorCode, message: str, reason: str | None = None) -> None:
        super().__init__(code, message, code.status)
        self.message = message
        self.reason = reason or message  # for the log; may name internals, never shown


@dataclass
class Outcome:
    """The decision log fields, filled in as the request goes along."""

    action: str = "unknown"
    user: str | None = None
    identity_source: str | None = None
    profile: str | None = None
    effect: str = "deny"
    rule: str | None = None
    reason: str | None = None
    source_identity: str | None = None
    role_arn: str | None = None
    duration: int | None = None
    session_ref: str | None = None
    approval_id: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Settings:
    parameter_root: str
    session_table: str
    approval_table: str
    prefix: str = "sentinel"
    default_duration: int = 900
    approval_ttl: int = 3600
    rules_cache_seconds: int = 30


@dataclass(frozen=True)
class VendRequest:
    profile: str | None
    duration: int | None = None
    approval_id: str | None = None
    session_id: str | None = None


def parse_duration(value: Any, from_query: bool = False) -> int | None:
    """A whole number of seconds in 900-43200 (ASCII digits in a query), or INVALID_DURATION."""
    if value is None:
        return None
    if from_query and isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DURATION <= value <= MAX_DURATION:
        raise ApiError(
            ErrorCode.INVALID_DURATION,
            f"duration must be a whole number of seconds from {MIN_DURATION} to {MAX_DURATION}.",
        )
    return value
