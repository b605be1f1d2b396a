"""The root of every error lambdas/ raises on purpose, and the code of an AWS SDK failure.

A ``PlatformError`` carries a ``code`` that names what went wrong without the details (an
AWS error message can name an ARN or an account, so only its code leaves the function) and
the HTTP ``status`` a caller gets when the error ends a request (500 unless a subclass or
the raiser says otherwise). Handlers log ``code``; what they show a caller is documented per
handler. No third-party import here: the deploying program imports lambdas.tvm.rules, whose
errors derive from this one, without botocore.
"""

from __future__ import annotations


class PlatformError(Exception):
    """An error whose ``code`` is safe to log; the message defaults to the code."""

    status: int = 500

    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        super().__init__(code if message is None else message)
        self.code = code
        if status is not None:
            self.status = status


def aws_error_code(error: Exception) -> str:
    """A botocore ``ClientError``'s AWS error code, else the exception's type name (``BotoCoreError``s)."""
    from botocore.exceptions import ClientError  # only callers of the SDK call this, and they have botocore

    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "ClientError")
    return type(error).__name__
