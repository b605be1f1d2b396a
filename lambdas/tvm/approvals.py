"""Approval requests in DynamoDB, for profiles whose matching rule is ``require_approval``.

Life cycle (``status``)::

    pending ──approve──▶ approved ──vend──▶ used ──(its session revoked: the approval is spent)
       │                    │                 │
       └──deny──▶ denied    └──revoke-approval / expiry──▶ revoked
                                              └──revoke-approval──▶ revoked (its session too)

An approval is bound to the requester (canonical identity), the profile, the rule it was
requested under and that rule's approvers at the time. It grants once: the vend that uses
it marks it ``used`` by the session it creates (``used_by`` = that session's key), so a
revoked session cannot be re-created with the same approval. Item:
``{approval_id, requester, requester_source, profile, rule, approvers, status, created_at,
expires_at}``
+ ``decided_by``, ``decided_at``, ``used_by``, ``used_at``, ``revoked_by``, ``revoked_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.common.dynamodb import ConditionFailed, StoreError, call, put_once, update_once

PENDING, APPROVED, DENIED, USED, REVOKED = "pending", "approved", "denied", "used", "revoked"
_STATUS = {"#status": "status"}


@dataclass(frozen=True)
class Approval:
    approval_id: str
    requester: str
    profile: str
    rule: str
    approvers: tuple[str, ...]
    status: str
    created_at: int
    expires_at: int
    decided_by: str | None = None
    used_by: str | None = None
    requester_source: str = ""

    @staticmethod
    def from_item(item: dict[str, Any]) -> Approval:
        def optional(name: str) -> str | None:
            return item[name]["S"] if name in item else None

        approvers = item.get("approvers", {}).get("L", [])
        return Approval(
            approval_id=item["approval_id"]["S"],
            requester=item["requester"]["S"],
            profile=item["profile"]["S"],
            rule=item["rule"]["S"],
            approvers=tuple(a["S"] for a in approvers),
            status=item["status"]["S"],
            created_at=int(item["created_at"]["N"]),
            expires_at=int(item["expires_at"]["N"]),
            decided_by=optional("decided_by"),
            used_by=optional("used_by"),
            requester_source=optional("requester_source") or "",
        )

    def grants(self, user: str, profile: str, rule: str, now: int) -> bool:
        """Approved (not yet used), unexpired, for this user, profile and rule, by someone else."""
        return (
            self.status == APPROVED
            and now < self.expires_at
            and self.requester == user
            and self.profile == profile
            and self.rule == rule
            and self.decided_by not in (None, user)
        )


class ApprovalStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def create(
        self,
        approval_id: str,
        requester: str,
        requester_source: str,
        profile: str,
        rule: str,
        approvers: tuple[str, ...],
        now: int,
        ttl: int,
    ) -> Approval:
        approval = Approval(
            approval_id, requester, profile, rule, approvers, PENDING, now, now + ttl, requester_source=requester_source
        )
        put_once(
            self.client,
            self.table,
            self._key(approval_id),
            {
                "approval_id": {"S": approval_id},
                "requester": {"S": requester},
                "requester_source": {"S": requester_source},
                "profile": {"S": profile},
                "rule": {"S": rule},
                "approvers": {"L": [{"S": a} for a in approvers]},
                "status": {"S": PENDING},
                "created_at": {"N": str(now)},
                "expires_at": {"N": str(now + ttl)},
            },
            "attribute_not_exists(approval_id)",
        )
        return approval

    def get(self, approval_id: str) -> Approval | None:
        item = call(self.client, "get_item", TableName=self.table, Key=self._key(approval_id), ConsistentRead=True).get(
            "Item"
        )
        try:
            return Approval.from_item(item) if item else None
        except (KeyError, TypeError, ValueError):
            raise StoreError("malformed approval item") from None

    def decide(self, approval_id: str, approver: str, status: str, now: int, ttl: int) -> None:
        """Approve or deny a pending, unexpired request not made by ``approver``."""
        update_once(
            self.client,
            self.table,
            self._key(approval_id),
            "#status = :s, decided_by = :by, decided_at = :now, expires_at = :exp",
            "#status = :pending AND requester <> :by AND expires_at > :now",
            _STATUS,
            {
                ":s": {"S": status},
                ":by": {"S": approver},
                ":now": {"N": str(now)},
                ":exp": {"N": str(now + ttl)},
                ":pending": {"S": PENDING},
            },
        )

    def use(self, approval_id: str, requester: str, session_key: str, now: int) -> None:
        """Spend an approved approval on the session ``session_key``; ConditionFailed if it is
        no longer approved (used, revoked, expired) or not the requester's."""
        update_once(
            self.client,
            self.table,
            self._key(approval_id),
            "#status = :used, used_by = :key, used_at = :now",
            "#status = :approved AND requester = :requester AND expires_at > :now",
            _STATUS,
            {
                ":used": {"S": USED},
                ":key": {"S": session_key},
                ":now": {"N": str(now)},
                ":approved": {"S": APPROVED},
                ":requester": {"S": requester},
            },
        )

    def release(self, approval_id: str, session_key: str) -> None:
        """Give back an approval whose session never received credentials (best effort)."""
        try:
            update_once(
                self.client,
                self.table,
                self._key(approval_id),
                "#status = :approved",
                "#status = :used AND used_by = :key",
                _STATUS,
                {":approved": {"S": APPROVED}, ":used": {"S": USED}, ":key": {"S": session_key}},
            )
        except StoreError:
            pass

    def revoke(self, approval_id: str, by: str, reason: str, now: int) -> Approval:
        """End an approval (pending, approved or used); ConditionFailed if it is denied, revoked or unknown."""
        update_once(
            self.client,
            self.table,
            self._key(approval_id),
            "#status = :revoked, revoked_by = :by, revoked_at = :now, revoked_reason = :why",
            "#status IN (:pending, :approved, :used)",
            _STATUS,
            {
                ":revoked": {"S": REVOKED},
                ":by": {"S": by},
                ":now": {"N": str(now)},
                ":why": {"S": reason},
                ":pending": {"S": PENDING},
                ":approved": {"S": APPROVED},
                ":used": {"S": USED},
            },
        )
        approval = self.get(approval_id)
        if approval is None:
            raise StoreError("approval vanished after its revocation")
        return approval

    @staticmethod
    def _key(approval_id: str) -> dict[str, Any]:
        return {"approval_id": {"S": approval_id}}


__all__ = ["APPROVED", "DENIED", "PENDING", "REVOKED", "USED", "Approval", "ApprovalStore", "ConditionFailed"]
