"""Errors that carry a code safe to log, and the code of an AWS SDK failure.

A code names what went wrong without the details: an AWS error message can name an ARN
or an account, so only its code leaves the function.
"""

from __future__ import annotations

from typing import Optional

from botocore.exceptions import ClientError


class CodedError(Exception):
    """An error whose ``code`` is safe to log; the message defaults to the code."""

    def __init__(self, code: str, message: Optional[str] = None) -> None:
        super().__init__(code if message is None else message)
        self.code = code


def aws_error_code(error: Exception) -> str:
    """A ``ClientError``'s AWS error code, else the exception's type name (``BotoCoreError``s)."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "ClientError")
    return type(error).__name__
