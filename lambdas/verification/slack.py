"""Slack request signatures (v0): HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` with the
app's signing secret, compared in constant time, timestamp within five minutes.

https://api.slack.com/authentication/verifying-requests-from-slack
"""

from __future__ import annotations

import hashlib
import hmac

from lambdas.common.errors import PlatformError

VERSION = "v0"
MAX_AGE_SECONDS = 300


class SignatureError(PlatformError):
    """The request is not provably from Slack; ``code`` is safe to return and log."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.message = message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float) -> None:
    """Raise ``SignatureError`` unless ``signature`` is Slack's for this body and time."""
    if not timestamp or not signature:
        raise SignatureError("MISSING_SIGNATURE", "X-Slack-Signature and X-Slack-Request-Timestamp are required.")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("BAD_TIMESTAMP", "X-Slack-Request-Timestamp is not a Unix time.")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise SignatureError("STALE_REQUEST", "The request timestamp is more than five minutes away.")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise SignatureError("BAD_SIGNATURE", "The request signature does not match.")
