"""Whether an approval lets a TVM request through: a vend, a refresh, a decision.

Each check raises ``ApiError`` (``APPROVAL_REQUIRED``, ``POLICY_DENY`` or ``CREDENTIAL_ERROR``)
when it does not; the service (``lambdas.tvm.service``) spends and releases approvals.
"""

from __future__ import annotations

from datetime import datetime

from lambdas.common.sessions import Session, StoreError
from lambdas.tvm.approvals import USED, Approval, ApprovalStore
from lambdas.tvm.codes import ErrorCode
from lambdas.tvm.identity import Caller
from lambdas.tvm.model import ApiError, Outcome
from lambdas.tvm.rules import REQUIRE_APPROVAL, Rule, RulesDocument, matches_any


def approval_for_vend(
    approvals: ApprovalStore,
    caller: Caller,
    profile: str,
    rule: Rule,
    approval_id: str | None,
    epoch: int,
    out: Outcome,
) -> Approval:
    """The approval a new session under ``rule`` is issued with."""
    out.approval_id = approval_id
    if approval_id is None:
        raise ApiError(
            ErrorCode.APPROVAL_REQUIRED,
            "This profile needs an approval: POST /approvals, then send its approval_id.",
            "no approval_id",
        )
    approval = read_approval(approvals, approval_id)
    if approval is None or not approval.grants(caller.user, profile, rule.name, epoch):
        status = approval.status if approval else "unknown"
        raise ApiError(
            ErrorCode.APPROVAL_REQUIRED,
            "The approval is not granted, has been used or revoked, has "
            "expired, or is not for this user, profile and rule.",
            f"approval {status}",
        )
    check_approver(approval, rule)
    return approval


def check_session_approval(
    approvals: ApprovalStore,
    caller: Caller,
    session: Session,
    rule: Rule,
    approval_id: str | None,
    epoch: int,
    out: Outcome,
) -> None:
    """A refresh under require_approval needs the approval its session was issued with,
    still spent on that session, unexpired, unrevoked, under the same rule."""
    out.approval_id = session.approval_id
    if session.approval_id is None or approval_id not in (None, session.approval_id):
        raise ApiError(
            ErrorCode.APPROVAL_REQUIRED,
            "This session was not approved for this profile's rule.",
            "session without its approval",
        )
    approval = read_approval(approvals, session.approval_id)
    if (
        approval is None
        or approval.status != USED
        or approval.used_by != session.key
        or approval.rule != rule.name
        or approval.requester != caller.user
        or epoch >= approval.expires_at
    ):
        raise ApiError(
            ErrorCode.APPROVAL_REQUIRED,
            "The session's approval has ended; request a new approval.",
            f"approval {approval.status if approval else 'unknown'}",
        )
    check_approver(approval, rule)


def check_decider(document: RulesDocument, approval: Approval, caller: Caller, now: datetime, out: Outcome) -> None:
    """``caller`` approves both the rule as it was requested and the rule that applies to
    the requester now."""
    rule = document.first_match(approval.requester, now, approval.requester_source)
    out.rule = rule.name if rule else None
    if (
        rule is None
        or rule.effect != REQUIRE_APPROVAL
        or rule.name != approval.rule
        or not rule.may_approve(caller.user)
        or not matches_any(caller.user, approval.approvers)
    ):
        raise ApiError(ErrorCode.POLICY_DENY, "You are not an approver for this request.", "not an approver")


def check_approver(approval: Approval, rule: Rule) -> None:
    if approval.decided_by is None or not rule.may_approve(approval.decided_by):
        raise ApiError(
            ErrorCode.APPROVAL_REQUIRED, "The approver is no longer an approver of this rule.", "approver removed"
        )


def read_approval(approvals: ApprovalStore, approval_id: str) -> Approval | None:
    try:
        return approvals.get(approval_id)
    except StoreError as error:
        raise ApiError(
            ErrorCode.CREDENTIAL_ERROR, "Approvals could not be read; nothing was issued.", str(error)
        ) from None


def rule_named(document: RulesDocument, name: str | None) -> Rule:
    rule = next((r for r in document.rules if r.name == name), None)
    if rule is None:  # decide() named it, so it exists; never act without it
        raise ApiError(ErrorCode.CONFIG_ERROR, "The profile's access rules changed during the request.")
    return rule
