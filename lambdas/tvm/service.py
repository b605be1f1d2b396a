"""What the TVM does for one request, independent of the HTTP event shape.

Every refusal raises ``ApiError`` with the documented status and code; ``Outcome`` records
what the decision log needs as the request goes along.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import aws_error_code
from lambdas.tvm.approvals import APPROVED, DENIED, ApprovalStore
from lambdas.tvm.identity import Caller, IdentityError, source_identity
from lambdas.tvm.profiles import PROFILE_NAME, ProfileSource, RulesUnavailable, UnknownProfile
from lambdas.tvm.rules import DENY, REQUIRE_APPROVAL, MAX_DURATION, MIN_DURATION, RulesDocument, decide, \
    resolve_duration
from lambdas.common.sessions import ACTIVE, PENDING, ConditionFailed, Session, SessionStore, StoreError

# Lambda's credentials come from its execution role, so assuming another role is role
# chaining, which STS limits to one hour whatever the role's MaxSessionDuration.
ROLE_CHAINING_LIMIT = 3600
SESSION_TAG = "SentinelSessionID"
ID = re.compile(r"^[0-9a-f]{32}$")

STATUS = {
    "MISSING_PROFILE": 400, "INVALID_PROFILE": 400, "INVALID_DURATION": 400, "INVALID_REQUEST": 400,
    "INVALID_IDENTITY": 400, "IAM_AUTH_REQUIRED": 403, "POLICY_DENY": 403, "APPROVAL_REQUIRED": 403,
    "SESSION_REVOKED": 403, "NOT_FOUND": 404, "CONFIG_ERROR": 500, "CREDENTIAL_ERROR": 500,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, STATUS[code]
        self.reason = reason or message   # for the log; may name internals, never shown


@dataclass
class Outcome:
    """The decision log fields, filled in as the request goes along."""

    action: str = "unknown"
    user: Optional[str] = None
    profile: Optional[str] = None
    effect: str = "deny"
    rule: Optional[str] = None
    reason: Optional[str] = None
    source_identity: Optional[str] = None
    role_arn: Optional[str] = None
    duration: Optional[int] = None
    session_id: Optional[str] = None
    approval_id: Optional[str] = None
    code: Optional[str] = None


@dataclass(frozen=True)
class Settings:
    parameter_root: str
    session_table: str
    approval_table: str
    prefix: str = "sentinel"
    default_duration: int = 900
    approval_ttl: int = 3600
    rules_cache_seconds: int = 30


@dataclass(frozen=True)
class VendRequest:
    profile: Optional[str]
    duration: Optional[int] = None
    approval_id: Optional[str] = None
    session_id: Optional[str] = None


@dataclass
class Tvm:
    settings: Settings
    profiles: ProfileSource
    sessions: SessionStore
    approvals: ApprovalStore
    sts: Any
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    # -- credentials -------------------------------------------------------------------
    def vend(self, caller: Caller, request: VendRequest, out: Outcome) -> tuple[dict, str]:
        """Credentials and the session id, or ApiError."""
        out.action = "refresh" if request.session_id else "vend"
        now = self.clock()
        epoch = int(now.timestamp())
        session = self._own_session(caller, request, out) if request.session_id else None
        profile = request.profile if request.profile is not None else (session.profile if session else None)
        document = self._document(profile, out)
        decision = decide(document, caller.user, now)
        out.rule, out.reason, out.role_arn = decision.rule, decision.reason, document.role_arn
        if decision.effect == DENY:
            raise ApiError("POLICY_DENY", "The access rules do not allow this request.", decision.reason)
        if decision.effect == REQUIRE_APPROVAL:
            self._check_approval(caller, profile, request.approval_id, epoch, out)
        duration = resolve_duration(request.duration, self.settings.default_duration,
                                    min(decision.max_duration, ROLE_CHAINING_LIMIT))
        out.duration = duration
        if session is not None:
            # Credentials first: a refresh STS refuses must leave the session as it was.
            identity, session_id = session.source_identity, session.session_id
            out.session_id, out.source_identity = session_id, identity
            credentials = self._assume(document, identity, session_id, duration, epoch, fresh=False)
            expires_at = max(session.expires_at, epoch + duration)
            try:
                self.sessions.extend(session_id, caller.user, expires_at, epoch)
            except ConditionFailed:
                raise ApiError("SESSION_REVOKED", "This session has been revoked.", "revoked during refresh")
            except StoreError as error:
                raise ApiError("CREDENTIAL_ERROR", "The session could not be recorded; nothing was issued.",
                               str(error)) from None
        else:
            # Written pending (the authorizer refuses it), active only once STS has answered:
            # a failed AssumeRole never leaves an active session behind.
            session_id = self.new_id()
            identity = self._source_identity(caller, session_id)
            out.session_id, out.source_identity = session_id, identity
            try:
                self.sessions.create(Session(session_id, caller.user, profile, identity, document.role_arn,
                                             epoch, epoch + duration, PENDING))
            except StoreError as error:
                raise ApiError("CREDENTIAL_ERROR", "The session could not be recorded; nothing was issued.",
                               f"session write failed: {error}") from None
            credentials = self._assume(document, identity, session_id, duration, epoch, fresh=True)
            try:
                self.sessions.activate(session_id, caller.user, epoch)
            except ConditionFailed:  # an operator revoked it while STS answered
                raise ApiError("SESSION_REVOKED", "This session has been revoked.", "revoked during issue") from None
            except StoreError as error:
                self._close_pending(session_id, epoch)
                raise ApiError("CREDENTIAL_ERROR", "The session could not be recorded; nothing was issued.",
                               f"session activation failed: {error}") from None
        out.effect = "allow"
        return credentials, session_id

    def _own_session(self, caller: Caller, request: VendRequest, out: Outcome) -> Session:
        out.session_id = request.session_id
        try:
            session = self.sessions.get(request.session_id)
        except StoreError as error:
            raise ApiError("CREDENTIAL_ERROR", "The session could not be read; nothing was issued.",
                           str(error)) from None
        if session is None or session.user != caller.user:
            raise ApiError("INVALID_REQUEST", "Unknown session.", "no such session for this user")
        if request.profile is not None and request.profile != session.profile:
            raise ApiError("INVALID_REQUEST", "The session belongs to another profile.")
        if session.status != ACTIVE:
            raise ApiError("SESSION_REVOKED", "This session has been revoked.", f"session status {session.status}")
        if session.expires_at <= int(self.clock().timestamp()):
            raise ApiError("INVALID_REQUEST", "The session has expired; request new credentials without it.")
        return session

    def _check_approval(self, caller: Caller, profile: str, approval_id: Optional[str], epoch: int,
                        out: Outcome) -> None:
        out.approval_id = approval_id
        if approval_id is None:
            raise ApiError("APPROVAL_REQUIRED", "This profile needs an approval: POST /approvals, then "
                                                "send its approval_id.", "no approval_id")
        try:
            approval = self.approvals.get(approval_id)
        except StoreError as error:
            raise ApiError("CREDENTIAL_ERROR", "Approvals could not be read; nothing was issued.",
                           str(error)) from None
        if approval is None or not approval.grants(caller.user, profile, epoch):
            raise ApiError("APPROVAL_REQUIRED", "The approval is not granted, has expired, or is not "
                                                "for this user and profile.", "approval not valid")

    def _source_identity(self, caller: Caller, session_id: str) -> str:
        try:
            return source_identity(self.settings.prefix, caller.user, session_id)
        except IdentityError as error:
            raise ApiError(error.code, str(error)) from None

    def _close_pending(self, session_id: str, epoch: int) -> None:
        """Best effort: a session that never got credentials is closed (it stays pending,
        which nothing accepts, when even this fails)."""
        try:
            self.sessions.revoke(session_id, "tvm", "credential error", epoch, only_if=(PENDING,))
        except StoreError:
            pass

    def _assume(self, document: RulesDocument, identity: str, session_id: str, duration: int, epoch: int,
                fresh: bool) -> dict:
        try:
            answer = self.sts.assume_role(
                RoleArn=document.role_arn, RoleSessionName=identity, DurationSeconds=duration,
                SourceIdentity=identity, Tags=[{"Key": SESSION_TAG, "Value": session_id}])
        except (ClientError, BotoCoreError) as error:
            if fresh:
                self._close_pending(session_id, epoch)
            raise ApiError("CREDENTIAL_ERROR", "The role could not be assumed.",
                           f"assume_role: {aws_error_code(error)}") from None
        credentials = answer["Credentials"]
        expiration = credentials["Expiration"]
        if isinstance(expiration, datetime):
            expiration = expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"],
                "Token": credentials["SessionToken"], "Expiration": expiration}

    # -- profiles ----------------------------------------------------------------------
    def list_profiles(self, out: Outcome) -> dict:
        out.action = "profiles"
        try:
            names = self.profiles.names()
        except RulesUnavailable as error:
            raise ApiError("CONFIG_ERROR", "Profiles could not be read.", str(error)) from None
        out.effect, out.reason = "allow", f"{len(names)} profiles"
        return {"profiles": [{"name": n, "policy_path": self.profiles.path(n)} for n in names],
                "root": self.profiles.root}

    def _document(self, profile: Optional[str], out: Outcome) -> RulesDocument:
        if profile is None or profile == "":
            raise ApiError("MISSING_PROFILE", "Name a profile.")
        if not isinstance(profile, str) or not PROFILE_NAME.match(profile):
            raise ApiError("INVALID_PROFILE", "Not a profile name.")
        out.profile = profile
        try:
            return self.profiles.rules(profile)
        except UnknownProfile:
            raise ApiError("INVALID_PROFILE", "Unknown profile.") from None
        except RulesUnavailable as error:
            raise ApiError("CONFIG_ERROR", "The profile's access rules cannot be read.", str(error)) from None

    # -- approvals ---------------------------------------------------------------------
    def request_approval(self, caller: Caller, profile: Optional[str], out: Outcome) -> dict:
        out.action = "approval_request"
        document = self._document(profile, out)
        now = self.clock()
        decision = decide(document, caller.user, now)
        out.rule, out.reason, out.role_arn = decision.rule, decision.reason, document.role_arn
        if decision.effect == DENY:
            raise ApiError("POLICY_DENY", "The access rules do not allow this request.", decision.reason)
        if decision.effect != REQUIRE_APPROVAL:
            raise ApiError("INVALID_REQUEST", "This profile needs no approval for you.")
        approval_id, epoch = self.new_id(), int(now.timestamp())
        try:
            approval = self.approvals.create(approval_id, caller.user, profile, decision.rule, epoch,
                                             self.settings.approval_ttl)
        except StoreError as error:
            raise ApiError("CREDENTIAL_ERROR", "The approval request could not be recorded.", str(error)) from None
        out.effect, out.approval_id = "allow", approval_id
        return {"approval_id": approval_id, "status": approval.status, "profile": profile,
                "expires_at": _iso(approval.expires_at)}

    def decide_approval(self, caller: Caller, approval_id: str, approve: bool, out: Outcome) -> dict:
        out.action = "approve" if approve else "deny_approval"
        out.approval_id = approval_id
        if not ID.match(approval_id):
            raise ApiError("INVALID_REQUEST", "Unknown approval.")
        try:
            approval = self.approvals.get(approval_id)
        except StoreError as error:
            raise ApiError("CREDENTIAL_ERROR", "Approvals could not be read.", str(error)) from None
        if approval is None:
            raise ApiError("INVALID_REQUEST", "Unknown approval.")
        if approval.requester == caller.user:
            raise ApiError("POLICY_DENY", "Nobody may decide their own approval request.", "self-approval")
        document = self._document(approval.profile, out)
        now = self.clock()
        rule = document.first_match(approval.requester, now)
        out.rule = rule.name if rule else None
        if rule is None or rule.effect != REQUIRE_APPROVAL or not rule.may_approve(caller.user):
            raise ApiError("POLICY_DENY", "You are not an approver for this request.", "not an approver")
        status = APPROVED if approve else DENIED
        try:
            self.approvals.decide(approval_id, caller.user, status, int(now.timestamp()),
                                  self.settings.approval_ttl)
        except ConditionFailed:
            raise ApiError("INVALID_REQUEST", "The request is no longer pending.") from None
        except StoreError as error:
            raise ApiError("CREDENTIAL_ERROR", "The decision could not be recorded.", str(error)) from None
        out.effect, out.reason = "allow", f"approval {status} by {caller.user}"
        return {"approval_id": approval_id, "status": status, "profile": approval.profile,
                "requester": approval.requester}


def parse_duration(value: Any, from_query: bool = False) -> Optional[int]:
    """A whole number of seconds in 900-43200 (a digit string in a query), or INVALID_DURATION."""
    if value is None:
        return None
    if from_query and isinstance(value, str) and re.fullmatch(r"\d{1,6}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_DURATION <= value <= MAX_DURATION:
        raise ApiError("INVALID_DURATION", f"duration must be a whole number of seconds from {MIN_DURATION} "
                                           f"to {MAX_DURATION}.")
    return value


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["ApiError", "Outcome", "Settings", "Tvm", "VendRequest", "parse_duration"]
