"""Read the AWSCURRENT version of a Secrets Manager secret.

Every failure raises ``SecretReadError`` whose ``code`` is an AWS error code or one of
ours (``SECRET_NOT_TEXT``, ``SECRET_EMPTY``): the SDK's message can name the secret's ARN
and account, so it goes no further.

Powertools' ``parameters.get_secret`` is not used: it turns every failure into a
``GetParameterError`` whose message is the SDK's (ARN included) and drops the error code
the handlers report, and its cache is shared by the whole process rather than kept per
container with an injectable client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import PlatformError, aws_error_code

AWSCURRENT = "AWSCURRENT"
SECRET_NOT_TEXT = "SECRET_NOT_TEXT"
SECRET_EMPTY = "SECRET_EMPTY"


class SecretReadError(PlatformError):
    """The secret could not be read or holds nothing usable; ``code`` is safe to log."""


def read_secret_string(client: Any, secret_id: str) -> str:
    """The ``SecretString`` of ``secret_id`` (ARN or name); ``SECRET_NOT_TEXT`` for a binary secret."""
    response = _current_version(client, secret_id)
    if "SecretString" not in response:
        raise SecretReadError(SECRET_NOT_TEXT)
    return response["SecretString"]


def read_secret_field(client: Any, secret_id: str, field: str) -> str:
    """A secret held as plain text or as a JSON object's ``field``.

    ``SECRET_EMPTY`` when there is no such text: an empty or binary secret, a JSON object
    without ``field``, or one that does not parse.
    """
    value = _current_version(client, secret_id).get("SecretString") or ""
    if value.startswith("{"):
        value = _json_field(value, field)
    if not isinstance(value, str) or not value:
        raise SecretReadError(SECRET_EMPTY)
    return value


def _current_version(client: Any, secret_id: str) -> Mapping[str, Any]:
    try:
        # AWS defaults to AWSCURRENT; naming it also avoids a moto bug after a rotation.
        return client.get_secret_value(SecretId=secret_id, VersionStage=AWSCURRENT)
    except (ClientError, BotoCoreError) as error:
        raise SecretReadError(aws_error_code(error)) from None


def _json_field(document: str, field: str) -> object:
    try:
        return json.loads(document).get(field) or ""
    except (ValueError, AttributeError, RecursionError):
        return ""
