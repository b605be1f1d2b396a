"""Who is calling, and the SourceIdentity STS will carry into CloudTrail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from lambdas.common.errors import CodedError

# STS accepts 2-64 characters of [\w+=,.@-] in a SourceIdentity (ASCII word characters).
SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_USER_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$")


class IdentityError(CodedError):
    """The caller cannot be named or represented; ``code`` is the API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class Caller:
    arn: str
    account: str
    user: str


def caller_from_arn(arn: Optional[object]) -> Caller:
    """Name the caller: an IAM user's name, or the session name of an assumed role (SSO users)."""
    if not isinstance(arn, str) or not arn:
        raise IdentityError("IAM_AUTH_REQUIRED", "Sign the request with SigV4 (IAM authorization).")
    match = _ARN.match(arn)
    if not match:
        raise IdentityError("IAM_AUTH_REQUIRED", "The caller identity is not an IAM principal.")
    service, account, resource = match.groups()
    parts = resource.split("/")
    if service == "iam" and parts[0] == "user" and len(parts) >= 2:
        user = parts[-1]
    elif service == "sts" and parts[0] == "assumed-role" and len(parts) == 3:
        user = parts[2]
    elif service == "sts" and parts[0] == "federated-user" and len(parts) == 2:
        user = parts[1]
    else:
        raise IdentityError("INVALID_IDENTITY", "Call as an IAM user or an assumed-role session.")
    if not _USER_NAME.match(user):
        raise IdentityError("INVALID_IDENTITY", "The caller's name cannot be used in a SourceIdentity.")
    return Caller(arn=arn, account=account, user=user)


def source_identity(prefix: str, user: str, session_id: str) -> str:
    """``<prefix>.<user>.<first 8 hex of the session id>``, or INVALID_IDENTITY if STS would refuse it."""
    value = f"{prefix}.{user}.{session_id[:8]}"
    if not SOURCE_IDENTITY.match(value):
        raise IdentityError("INVALID_IDENTITY",
                            "The caller's name is too long or has characters a SourceIdentity cannot hold.")
    return value
