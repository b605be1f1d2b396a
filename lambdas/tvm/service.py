"""What the TVM does for one request, independent of the HTTP event shape.

Every refusal raises ``ApiError`` with the documented status and code; ``Outcome`` records
what the decision log needs as the request goes along. The caller arrives as a ``Caller``
from ``lambdas.tvm.identity`` (a canonical identity no caller can choose); session ids are
bearer tokens that only the caller sees: the store, the logs and STS get the key or ref.
Whether an approval lets a request through is ``lambdas.tvm.approval_checks``; the STS call
is ``lambdas.tvm.sts``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambdas.common.sessions import (
    ACTIVE,
    PENDING,
    REVOKED,
    ConditionFailed,
    Session,
    SessionStore,
    StoreError,
    is_session_id,
    session_key,
    session_ref,
)
from lambdas.tvm.approval_checks import (
    approval_for_vend,
    check_decider,
    check_session_approval,
    read_approval,
    rule_named,
)
from lambdas.tvm.approvals import APPROVED, DENIED, Approval, ApprovalStore
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.identity import Caller, IdentityError, IdentityResolver, source_identity
from lambdas.tvm.model import ApiError, Outcome, Settings, VendRequest
from lambdas.tvm.profiles import PROFILE_NAME, ProfileSource, RulesUnavailable, UnknownProfile
from lambdas.tvm.rules import DENY, REQUIRE_APPROVAL, RulesDocument, decide, resolve_duration
from lambdas.tvm.sts import assume_session_role

# Lambda's credentials come from its execution role, so assuming another role is role
# chaining, which STS limits to one hour whatever the role's MaxSessionDuration.
ROLE_CHAINING_LIMIT = 3600

_NOT_RECORDED = "The session could not be recorded; nothing was issued."
_REVOKED = "This session has been revoked."


@dataclass
class Tvm:
    settings: Settings
    profiles: ProfileSource
    sessions: SessionStore
    approvals: ApprovalStore
    sts: Any
    identities: IdentityResolver
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    new_id: Callable[[], str] = field(default=lambda: secrets.token_hex(16))

    # -- identity ----------------------------------------------------------------------
    def caller(self, arn: object, api_account: str, out: Outcome) -> Caller:
        try:
            caller = self.identities.resolve(arn, api_account)
        except IdentityError as error:
            raise ApiError(error.code, str(error), error.reason) from None
        out.user, out.identity_source = caller.user, caller.source
        self._source_identity(caller, "0" * 8)  # a name STS would refuse is refused before anything else
        return caller

    # -- credentials -------------------------------------------------------------------
    def vend(self, caller: Caller, request: VendRequest, out: Outcome) -> tuple[dict, str]:
        """Credentials and the session id (the caller's bearer token), or ApiError."""
        out.action = "refresh" if request.session_id else "vend"
        now = self.clock()
        epoch = int(now.timestamp())
        session = self._own_session(caller, request, out) if request.session_id else None
        profile = request.profile if request.profile is not None else (session.profile if session else None)
        document = self._document(profile, out)
        assert profile is not None  # _document refuses a missing profile
        decision = decide(document, caller.user, now, caller.source)
        out.rule, out.reason, out.role_arn = decision.rule, decision.reason, document.role_arn
        if decision.effect == DENY:
            raise ApiError(ErrorCode.POLICY_DENY, "The access rules do not allow this request.", decision.reason)
        duration = resolve_duration(
            request.duration, self.settings.default_duration, min(decision.max_duration, ROLE_CHAINING_LIMIT)
        )
        out.duration = duration
        rule = rule_named(document, decision.rule) if decision.effect == REQUIRE_APPROVAL else None
        if session is not None:
            if rule is not None:
                check_session_approval(self.approvals, caller, session, rule, request.approval_id, epoch, out)
            return self._refresh(caller, session, document, duration, epoch), request.session_id or ""
        approval = (
            approval_for_vend(self.approvals, caller, profile, rule, request.approval_id, epoch, out) if rule else None
        )
        return self._issue(caller, profile, document, approval, duration, epoch, out)

    def _issue(
        self,
        caller: Caller,
        profile: str,
        document: RulesDocument,
        approval: Approval | None,
        duration: int,
        epoch: int,
        out: Outcome,
    ) -> tuple[dict, str]:
        """A new session: written pending (nothing accepts it), the approval spent on it,
        credentials from STS, then active. Any failure closes the session and gives the
        approval back, so no session is active unless its caller receives credentials."""
        session_id = self.new_id()
        key = session_key(session_id)
        ref = session_ref(key) or ""
        identity = self._source_identity(caller, ref)
        out.session_ref, out.source_identity = ref, identity
        session = Session(
            key,
            caller.user,
            profile,
            identity,
            document.role_arn,
            epoch,
            epoch + duration,
            PENDING,
            caller.source,
            approval.approval_id if approval else None,
        )
        try:
            self.sessions.create(session)
        except StoreError as error:
            raise ApiError(ErrorCode.CREDENTIAL_ERROR, _NOT_RECORDED, f"session write failed: {error}") from None
        if approval is not None:
            self._spend(approval, caller, key, epoch)
        credentials = self._assume(document, identity, ref, duration, key, epoch, approval)
        try:
            self.sessions.activate(key, caller.user, epoch)
        except ConditionFailed:  # an operator revoked it while STS answered
            raise ApiError(ErrorCode.SESSION_REVOKED, _REVOKED, "revoked during issue") from None
        except StoreError as error:
            self._abandon(key, epoch, approval)
            raise ApiError(ErrorCode.CREDENTIAL_ERROR, _NOT_RECORDED, f"session activation failed: {error}") from None
        out.effect = "allow"
        return credentials, session_id

    def _refresh(self, caller: Caller, session: Session, document: RulesDocument, duration: int, epoch: int) -> dict:
        """Credentials first: a refresh STS refuses must leave the session as it was."""
        credentials = self._assume(document, session.source_identity, session.ref, duration, None, epoch, None)
        try:
            self.sessions.extend(session.key, caller.user, max(session.expires_at, epoch + duration), epoch)
        except ConditionFailed:
            raise ApiError(ErrorCode.SESSION_REVOKED, _REVOKED, "revoked during refresh") from None
        except StoreError as error:
            raise ApiError(
                ErrorCode.CREDENTIAL_ERROR, "The session could not be recorded; nothing was issued.", str(error)
            ) from None
        return credentials

    def _own_session(self, caller: Caller, request: VendRequest, out: Outcome) -> Session:
        key = session_key(request.session_id or "")
        out.session_ref = session_ref(key)
        try:
            session = self.sessions.get(key)
        except StoreError as error:
            raise ApiError(
                ErrorCode.CREDENTIAL_ERROR, "The session could not be read; nothing was issued.", str(error)
            ) from None
        if session is None or session.user != caller.user:
            raise ApiError(ErrorCode.INVALID_REQUEST, "Unknown session.", "no such session for this user")
        out.source_identity = session.source_identity
        if request.profile is not None and request.profile != session.profile:
            raise ApiError(ErrorCode.INVALID_REQUEST, "The session belongs to another profile.")
        if session.status != ACTIVE:
            raise ApiError(ErrorCode.SESSION_REVOKED, _REVOKED, f"session status {session.status}")
        if session.expires_at <= int(self.clock().timestamp()):
            raise ApiError(ErrorCode.INVALID_REQUEST, "The session has expired; request new credentials without it.")
        return session

    # -- spending approvals, closing sessions that got nothing ---------------------------
    def _spend(self, approval: Approval, caller: Caller, key: str, epoch: int) -> None:
        try:
            self.approvals.use(approval.approval_id, caller.user, key, epoch)
        except ConditionFailed:  # used by a concurrent vend, or revoked meanwhile
            self._abandon(key, epoch, None)
            raise ApiError(
                ErrorCode.APPROVAL_REQUIRED, "The approval has been used or revoked.", "approval spent"
            ) from None
        except StoreError as error:
            self._abandon(key, epoch, approval)
            raise ApiError(ErrorCode.CREDENTIAL_ERROR, _NOT_RECORDED, f"approval write failed: {error}") from None

    def _abandon(self, key: str, epoch: int, approval: Approval | None) -> None:
        """Best effort: close a session that never got credentials (it stays pending, which
        nothing accepts, when even this fails) and give its approval back."""
        try:
            self.sessions.revoke(key, "tvm", "credential error", epoch, only_if=(PENDING,))
        except StoreError:
            pass
        if approval is not None:
            self.approvals.release(approval.approval_id, key)

    def _source_identity(self, caller: Caller, ref: str) -> str:
        try:
            return source_identity(self.settings.prefix, caller.user, ref)
        except IdentityError as error:
            raise ApiError(error.code, str(error)) from None

    def _assume(
        self,
        document: RulesDocument,
        identity: str,
        ref: str,
        duration: int,
        pending_key: str | None,
        epoch: int,
        approval: Approval | None,
    ) -> dict:
        try:
            return assume_session_role(self.sts, document.role_arn, identity, ref, duration)
        except ApiError:
            if pending_key is not None:
                self._abandon(pending_key, epoch, approval)
            raise

    # -- profiles ----------------------------------------------------------------------
    def list_profiles(self, out: Outcome) -> dict:
        out.action = "profiles"
        try:
            names = self.profiles.names()
        except RulesUnavailable as error:
            raise ApiError(ErrorCode.CONFIG_ERROR, "Profiles could not be read.", str(error)) from None
        out.effect, out.reason = "allow", f"{len(names)} profiles"
        return {
            "profiles": [{"name": n, "policy_path": self.profiles.path(n)} for n in names],
            "root": self.profiles.root,
        }

    def _document(self, profile: str | None, out: Outcome) -> RulesDocument:
        if profile is None or profile == "":
            raise ApiError(ErrorCode.MISSING_PROFILE, "Name a profile.")
        if not isinstance(profile, str) or not PROFILE_NAME.fullmatch(profile):
            raise ApiError(ErrorCode.INVALID_PROFILE, "Not a profile name.")
        out.profile = profile
        try:
            return self.profiles.rules(profile)
        except UnknownProfile:
            raise ApiError(ErrorCode.INVALID_PROFILE, "Unknown profile.") from None
        except RulesUnavailable as error:
            raise ApiError(ErrorCode.CONFIG_ERROR, "The profile's access rules cannot be read.", str(error)) from None

    # -- approval requests and decisions ------------------------------------------------
    def request_approval(self, caller: Caller, profile: str | None, out: Outcome) -> dict:
        out.action = "approval_request"
        document = self._document(profile, out)
        now = self.clock()
        decision = decide(document, caller.user, now, caller.source)
        out.rule, out.reason, out.role_arn = decision.rule, decision.reason, document.role_arn
        if decision.effect == DENY:
            raise ApiError(ErrorCode.POLICY_DENY, "The access rules do not allow this request.", decision.reason)
        if decision.effect != REQUIRE_APPROVAL:
            raise ApiError(ErrorCode.INVALID_REQUEST, "This profile needs no approval for you.")
        rule = rule_named(document, decision.rule)
        approval_id, epoch = self.new_id(), int(now.timestamp())
        try:
            approval = self.approvals.create(
                approval_id,
                caller.user,
                caller.source,
                profile or "",
                rule.name,
                rule.approvers,
                epoch,
                self.settings.approval_ttl,
            )
        except StoreError as error:
            raise ApiError(
                ErrorCode.CREDENTIAL_ERROR, "The approval request could not be recorded.", str(error)
            ) from None
        out.effect, out.approval_id = "allow", approval_id
        return {
            "approval_id": approval_id,
            "status": approval.status,
            "profile": profile,
            "rule": rule.name,
            "expires_at": _iso(approval.expires_at),
        }

    def decide_approval(self, caller: Caller, approval_id: str, approve: bool, out: Outcome) -> dict:
        """Only someone other than the requester, who is an approver both of the rule as it was
        requested and of the rule that applies to the requester now, may decide."""
        out.action = "approve" if approve else "deny_approval"
        out.approval_id = approval_id
        if not is_session_id(approval_id):  # approval ids have the shape of session ids
            raise ApiError(ErrorCode.INVALID_REQUEST, "Unknown approval.")
        approval = read_approval(self.approvals, approval_id)
        if approval is None:
            raise ApiError(ErrorCode.INVALID_REQUEST, "Unknown approval.")
        if approval.requester == caller.user:
            raise ApiError(ErrorCode.POLICY_DENY, "Nobody may decide their own approval request.", "self-approval")
        document = self._document(approval.profile, out)
        now = self.clock()
        check_decider(document, approval, caller, now, out)
        status = APPROVED if approve else DENIED
        try:
            self.approvals.decide(approval_id, caller.user, status, int(now.timestamp()), self.settings.approval_ttl)
        except ConditionFailed:
            raise ApiError(ErrorCode.INVALID_REQUEST, "The request is no longer pending.") from None
        except StoreError as error:
            raise ApiError(ErrorCode.CREDENTIAL_ERROR, "The decision could not be recorded.", str(error)) from None
        out.effect, out.reason = "allow", f"approval {status} by {caller.user}"
        return {
            "approval_id": approval_id,
            "status": status,
            "profile": approval.profile,
            "requester": approval.requester,
            "rule": approval.rule,
        }


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["REVOKED", "Tvm"]
