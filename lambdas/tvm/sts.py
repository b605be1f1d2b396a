"""The TVM's one STS call: AssumeRole for a session, answered in the shape the CLI reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import aws_error_code
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.model import ApiError

SESSION_TAG = "SentinelSessionRef"


def assume_session_role(sts: Any, role_arn: str, identity: str, ref: str, duration: int) -> dict:
    """``{AccessKeyId, SecretAccessKey, Token, Expiration}``, or ApiError ``CREDENTIAL_ERROR``.
    ``identity`` is both the role session name and the source identity; ``ref`` tags the session."""
    try:
        answer = sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=identity,
            DurationSeconds=duration,
            SourceIdentity=identity,
            Tags=[{"Key": SESSION_TAG, "Value": ref}],
        )
    except (ClientError, BotoCoreError) as error:
        raise ApiError(
            ErrorCode.CREDENTIAL_ERROR, "The role could not be assumed.", f"assume_role: {aws_error_code(error)}"
        ) from None
    credentials = answer["Credentials"]
    expiration = credentials["Expiration"]
    if isinstance(expiration, datetime):
        expiration = expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "AccessKeyId": credentials["AccessKeyId"],
        "SecretAccessKey": credentials["SecretAccessKey"],
        "Token": credentials["SessionToken"],
        "Expiration": expiration,
    }
