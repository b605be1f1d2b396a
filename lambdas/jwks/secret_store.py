"""Read the key document from Secrets Manager.

Every failure becomes a ``KeyFetchError`` whose ``code`` is an AWS error code or one of
ours: the original message can name the secret's ARN and account, so it goes no further.
"""

from __future__ import annotations

from typing import Any

from lambdas.common.errors import PlatformError
from lambdas.common.secrets import SecretReadError, read_secret_string
from lambdas.jwks.keys import KeyDocumentError, load_public_keys


class KeyFetchError(PlatformError):
    """The keys could not be read; ``code`` is safe to log."""


def fetch_public_keys(client: Any, secret_id: str) -> list[dict]:
    """The sanitised public keys in the AWSCURRENT version of ``secret_id``."""
    try:
        return load_public_keys(read_secret_string(client, secret_id))
    except (SecretReadError, KeyDocumentError) as error:
        raise KeyFetchError(error.code) from None
