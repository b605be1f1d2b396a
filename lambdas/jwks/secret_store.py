"""Read the key document from Secrets Manager.

Every failure becomes a ``KeyFetchError`` whose ``code`` is an AWS error code or one of
ours: the original message can name the secret's ARN and account, so it goes no further.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.jwks.keys import KeyDocumentError, load_public_keys


class KeyFetchError(Exception):
    """The keys could not be read; ``code`` is safe to log."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def fetch_public_keys(client, secret_id: str) -> list[dict]:
    """The sanitised public keys in the AWSCURRENT version of ``secret_id``."""
    return _public_keys_from(_read_secret_string(client, secret_id))


def _read_secret_string(client, secret_id: str) -> str:
    try:
        # AWS defaults to AWSCURRENT; naming it also avoids a moto bug after a rotation.
        response = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    except ClientError as error:
        raise KeyFetchError(error.response.get("Error", {}).get("Code", "ClientError")) from None
    except BotoCoreError as error:
        raise KeyFetchError(type(error).__name__) from None
    if "SecretString" not in response:
        raise KeyFetchError("SECRET_NOT_TEXT")
    return response["SecretString"]


def _public_keys_from(secret_string: str) -> list[dict]:
    try:
        return load_public_keys(secret_string)
    except KeyDocumentError as error:
        raise KeyFetchError(error.code) from None
