"""The TVM's error codes and the HTTP status of each: the API's contract (docs/tvm.md, "Error codes").

The credential client (cli/tvm_credentials.py) imports this module for its hints, so it
imports nothing but the standard library.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """``{"error": CODE}`` in a refusal; ``status`` is the HTTP status that goes with it."""

    status: int

    def __new__(cls, code: str, status: int) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        return member

    MISSING_PROFILE = "MISSING_PROFILE", 400
    INVALID_PROFILE = "INVALID_PROFILE", 400
    INVALID_DURATION = "INVALID_DURATION", 400
    INVALID_REQUEST = "INVALID_REQUEST", 400
    INVALID_IDENTITY = "INVALID_IDENTITY", 400
    IAM_AUTH_REQUIRED = "IAM_AUTH_REQUIRED", 403
    UNTRUSTED_IDENTITY = "UNTRUSTED_IDENTITY", 403
    POLICY_DENY = "POLICY_DENY", 403
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED", 403
    SESSION_REVOKED = "SESSION_REVOKED", 403
    NOT_FOUND = "NOT_FOUND", 404
    CONFIG_ERROR = "CONFIG_ERROR", 500
    CREDENTIAL_ERROR = "CREDENTIAL_ERROR", 500


STATUS: dict[str, int] = {code.value: code.status for code in ErrorCode}
