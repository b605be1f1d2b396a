"""Who is calling, and the SourceIdentity STS will carry into CloudTrail.

The TVM serves a caller only when nobody but AWS or the caller's administrators chose the
name it goes by. An assumed role's session name and a federated user's name are chosen by
whoever calls STS, so they say nothing on their own. Trusted sources (``tvm.identities``):

- ``iam-user``: IAM users of the configured accounts (default: the API's own); name = user name.
- ``sso:<permission set>``: IAM Identity Center sessions, roles ``AWSReservedSSO_<set>_<id>``
  whose path (read with ``iam:GetRole``: an assumed-role ARN has no path) is under
  ``/aws-reserved/sso.amazonaws.com/``; name = the session name, which Identity Center sets.
- ``role:<role name>``: roles listed by ARN whose trust policy pins ``sts:RoleSessionName``
  to a policy variable in every Allow (checked with ``iam:GetRole``); name = the session name.

Everything else (federated users, other roles, other accounts, the root user) is refused
with ``UNTRUSTED_IDENTITY``. Names are case-folded: IAM and Identity Center compare them
without case, so ``Carol`` and ``carol`` are one identity for rules, approvals and logs.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import PlatformError, aws_error_code
from lambdas.tvm.codes import ErrorCode

# STS accepts 2-64 characters of [\w+=,.@-] in a SourceIdentity (ASCII word characters).
SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ARN = re.compile(r"arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)", re.ASCII)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})", re.ASCII)
_ACCOUNT = re.compile(r"\d{12}", re.ASCII)
SSO_ROLE_PREFIX = "AWSReservedSSO_"
SSO_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"
IAM_USER = "iam-user"
VERIFY_CACHE_SECONDS = 300


class IdentityError(PlatformError):
    """The caller cannot be named, trusted or represented; ``code`` is the API error code."""

    code: ErrorCode

    def __init__(self, code: ErrorCode, message: str, reason: str | None = None) -> None:
        super().__init__(code, message, code.status)
        self.reason = reason or message


@dataclass(frozen=True)
class Caller:
    arn: str
    account: str
    user: str  # the canonical identity: case-folded, chosen by no caller
    source: str  # iam-user | sso:<permission set> | role:<role name>


@dataclass(frozen=True)
class IdentitySources:
    """The ``TVM_IDENTITIES`` setting (JSON, written by the component)."""

    iam_users: bool = True
    iam_user_accounts: tuple[str, ...] = ()  # empty: the API's own account
    identity_center: bool = True
    roles: tuple[str, ...] = ()  # role ARNs whose trust pins the session name

    @staticmethod
    def from_json(text: str) -> IdentitySources:
        """Parse the setting; ValueError with a one-line reason if it is not usable."""
        data = json.loads(text) if text.strip() else {}
        if not isinstance(data, dict) or set(data) - {"iamUsers", "identityCenter", "roles"}:
            raise ValueError("TVM_IDENTITIES must be an object with iamUsers, identityCenter, roles")
        users = data.get("iamUsers", {})
        center = data.get("identityCenter", {})
        roles = data.get("roles", [])
        if not isinstance(users, dict) or not isinstance(center, dict) or not isinstance(roles, list):
            raise ValueError("TVM_IDENTITIES: iamUsers and identityCenter are objects, roles a list")
        accounts = users.get("accounts", [])
        if not isinstance(accounts, list) or not all(isinstance(a, str) and _ACCOUNT.fullmatch(a) for a in accounts):
            raise ValueError("TVM_IDENTITIES: iamUsers.accounts must be 12-digit account ids")
        if not all(isinstance(r, str) and _ROLE_ARN.fullmatch(r) for r in roles):
            raise ValueError("TVM_IDENTITIES: roles must be IAM role ARNs")
        sources = IdentitySources(
            bool(users.get("enabled", True)), tuple(accounts), bool(center.get("enabled", True)), tuple(roles)
        )
        if not (sources.iam_users or sources.identity_center or sources.roles):
            raise ValueError("TVM_IDENTITIES trusts no identity source")
        return sources


class IdentityResolver:
    """Turns a caller ARN into a ``Caller``, verifying roles with ``iam:GetRole`` (cached)."""

    def __init__(
        self,
        sources: IdentitySources,
        iam: Any,
        clock: Callable[[], float] = time.monotonic,
        cache_seconds: float = VERIFY_CACHE_SECONDS,
    ) -> None:
        self.sources, self.iam, self.clock, self.cache_seconds = sources, iam, clock, cache_seconds
        self._verified: dict[str, tuple[float, str | None]] = {}
        self._listed = {self._listed_key(arn): arn for arn in sources.roles}

    def resolve(self, arn: object, api_account: str) -> Caller:
        if not isinstance(arn, str) or not arn:
            raise IdentityError(ErrorCode.IAM_AUTH_REQUIRED, "Sign the request with SigV4 (IAM authorization).")
        match = _ARN.fullmatch(arn)
        if not match:
            raise IdentityError(ErrorCode.IAM_AUTH_REQUIRED, "The caller identity is not an IAM principal.")
        service, account, resource = match.groups()
        parts = resource.split("/")
        if service == "iam" and parts[0] == "user" and len(parts) >= 2:
            return self._iam_user(arn, account, parts[-1], api_account)
        if service == "sts" and parts[0] == "assumed-role" and len(parts) == 3:
            return self._role_session(arn, account, parts[1], parts[2], api_account)
        raise _untrusted(f"{parts[0]} principals are not an identity source")

    def _iam_user(self, arn: str, account: str, name: str, api_account: str) -> Caller:
        accounts = self.sources.iam_user_accounts or (api_account,)
        if not self.sources.iam_users or account not in accounts:
            raise _untrusted("IAM users of this account are not an identity source")
        return Caller(arn, account, _canonical(name), IAM_USER)

    def _role_session(self, arn: str, account: str, role: str, session: str, api_account: str) -> Caller:
        if account != api_account:
            raise _untrusted("role sessions of other accounts are not an identity source")
        if self.sources.identity_center and role.startswith(SSO_ROLE_PREFIX):
            if self._verify(role, _is_identity_center_role):
                return Caller(arn, account, _canonical(session), f"sso:{_permission_set(role)}")
            raise _untrusted("not an IAM Identity Center role", f"role {role} is not on the Identity Center path")
        listed = self._listed.get((account, role.lower()))
        if listed is not None:
            if self._verify(role, lambda answer: _pins_session_name(answer, listed)):
                return Caller(arn, account, _canonical(session), f"role:{role}")
            raise _untrusted("the role does not pin its session name", f"role {role}: trust or ARN mismatch")
        raise _untrusted("this role is not an identity source", f"role {role} not listed")

    def _verify(self, role: str, accept: Callable[[dict], bool]) -> bool:
        """``accept(GetRole's Role)``, remembered for ``cache_seconds``; a role IAM will not show
        us (missing, or outside what the TVM may read) is not trusted."""
        cached = self._verified.get(role)
        if cached and self.clock() - cached[0] < self.cache_seconds:
            return cached[1] is not None
        try:
            answer = self.iam.get_role(RoleName=role)["Role"]
            verdict: str | None = answer.get("Arn") if accept(answer) else None
        except ClientError as error:
            if aws_error_code(error) not in ("NoSuchEntity", "AccessDenied", "AccessDeniedException"):
                raise IdentityError(
                    ErrorCode.CREDENTIAL_ERROR,
                    "The caller's identity could not be verified.",
                    f"get_role: {aws_error_code(error)}",
                ) from None
            verdict = None
        except BotoCoreError as error:
            raise IdentityError(
                ErrorCode.CREDENTIAL_ERROR,
                "The caller's identity could not be verified.",
                f"get_role: {type(error).__name__}",
            ) from None
        self._verified[role] = (self.clock(), verdict)
        return verdict is not None

    @staticmethod
    def _listed_key(role_arn: str) -> tuple[str, str]:
        match = _ROLE_ARN.fullmatch(role_arn)
        assert match is not None  # validated by IdentitySources.from_json
        return match.group(1), match.group(2).lower()


def _canonical(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise IdentityError(ErrorCode.INVALID_IDENTITY, "The caller's name cannot be used in a SourceIdentity.")
    return name.lower()


def _untrusted(message: str, reason: str | None = None) -> IdentityError:
    return IdentityError(
        ErrorCode.UNTRUSTED_IDENTITY,
        f"Call as an IAM user or through IAM Identity Center; {message}.",
        reason or message,
    )


def _is_identity_center_role(role: dict) -> bool:
    return role.get("RoleName", "").startswith(SSO_ROLE_PREFIX) and str(role.get("Path", "")).startswith(
        SSO_PATH_PREFIX
    )


def _permission_set(role: str) -> str:
    """``AWSReservedSSO_<permission set>_<16 hex>`` → the permission set's name."""
    middle = role[len(SSO_ROLE_PREFIX) :]
    return middle.rsplit("_", 1)[0] if "_" in middle else middle


def _pins_session_name(role: dict, listed_arn: str) -> bool:
    """The role is the listed one (path included) and every Allow of its trust policy requires
    ``sts:RoleSessionName`` to equal a policy variable (``${aws:username}``, an IdP claim)."""
    if role.get("Arn") != listed_arn:
        return False
    document = role.get("AssumeRolePolicyDocument")
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement") if isinstance(document, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements
    allows = [s for s in statements or [] if isinstance(s, dict) and s.get("Effect") == "Allow"]
    return bool(allows) and all(_statement_pins_session_name(s) for s in allows)


def _statement_pins_session_name(statement: dict) -> bool:
    conditions = statement.get("Condition")
    if not isinstance(conditions, dict):
        return False
    for operator in ("StringEquals", "StringLike"):
        block = conditions.get(operator)
        if not isinstance(block, dict):
            continue
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if (
                key.lower() == "sts:rolesessionname"
                and values
                and all(isinstance(v, str) and v.startswith("${") and v.endswith("}") for v in values)
            ):
                return True
    return False


def source_identity(prefix: str, user: str, ref: str) -> str:
    """``<prefix>.<user>.<session ref>``, or INVALID_IDENTITY if STS would refuse it."""
    value = f"{prefix}.{user}.{ref}"
    if not SOURCE_IDENTITY.fullmatch(value):
        raise IdentityError(
            ErrorCode.INVALID_IDENTITY, "The caller's name is too long or has characters a SourceIdentity cannot hold."
        )
    return value
