"""What one TVM request carries in and out, independent of the HTTP event shape.

``ApiError`` is every refusal, with its documented ``ErrorCode`` and status; ``Outcome`` the
decision log's fields, filled in as the request goes along; ``VendRequest`` what a caller asks
for; ``Settings`` the function's environment, read once per container.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from lambdas.common.errors import PlatformError
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.rules import MAX_DURATION, MIN_DURATION


class ApiError(PlatformError):
    """A refusal with its documented code and status; ``message`` is shown, ``reason`` only logged."""

    code: ErrorCode

    def __init__(self, code: ErrorCode, message: str, reason: Optional[str] = None) -> None:
        super().__init__(code, message, code.status)
        self.message = message
        self.reason = reason or message   # for the log; may name internals, never shown


@dataclass
class Outcome:
    """The decision log fields, filled in as the request goes along."""

    action: str = "unknown"
    user: Optional[str] = None
    identity_source: Optional[str] = None
    profile: Optional[str] = None
    effect: str = "deny"
    rule: Optional[str] = None
    reason: Optional[str] = None
    source_identity: Optional[str] = None
    role_arn: Optional[str] = None
    duration: Optional[int] = None
    session_ref: Optional[str] = None
    approval_id: Optional[str] = None
    code: Optional[str] = None


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
    profile: Optional[str]
    duration: Optional[int] = None
    approval_id: Optional[str] = None
    session_id: Optional[str] = None


def parse_duration(value: Any, from_query: bool = False) -> Optional[int]:
    """A whole number of seconds in 900-43200 (ASCII digits in a query), or INVALID_DURATION."""
    if value is None:
        return None
    if from_query and isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DURATION <= value <= MAX_DURATION:
        raise ApiError(ErrorCode.INVALID_DURATION, f"duration must be a whole number of seconds from {MIN_DURATION} "
                                           f"to {MAX_DURATION}.")
    return value
