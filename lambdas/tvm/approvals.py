"""Approval requests in DynamoDB, for profiles whose matching rule is ``require_approval``.

Item: ``{approval_id, requester, profile, rule, status, created_at, expires_at}``, status
``pending`` → ``approved`` or ``denied`` with ``decided_by`` and ``decided_at``. A pending
request and a granted approval both end at ``expires_at`` (the table's TTL attribute).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from lambdas.common.dynamodb import StoreError, call

PENDING, APPROVED, DENIED = "pending", "approved", "denied"


@dataclass(frozen=True)
class Approval:
    approval_id: str
    requester: str
    profile: str
    status: str
    created_at: int
    expires_at: int
    decided_by: Optional[str] = None

    @staticmethod
    def from_item(item: dict[str, Any]) -> "Approval":
        return Approval(approval_id=item["approval_id"]["S"], requester=item["requester"]["S"],
                        profile=item["profile"]["S"], status=item["status"]["S"],
                        created_at=int(item["created_at"]["N"]), expires_at=int(item["expires_at"]["N"]),
                        decided_by=item.get("decided_by", {}).get("S"))

    def grants(self, user: str, profile: str, now: int) -> bool:
        """Approved, unexpired, for this user and profile, by someone else."""
        return (self.status == APPROVED and now < self.expires_at and self.requester == user
                and self.profile == profile and self.decided_by not in (None, user))


class ApprovalStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def create(self, approval_id: str, requester: str, profile: str, rule: str, now: int, ttl: int) -> Approval:
        approval = Approval(approval_id, requester, profile, PENDING, now, now + ttl)
        self._call("put_item", TableName=self.table, ConditionExpression="attribute_not_exists(approval_id)",
                   Item={"approval_id": {"S": approval_id}, "requester": {"S": requester},
                         "profile": {"S": profile}, "rule": {"S": rule}, "status": {"S": PENDING},
                         "created_at": {"N": str(now)}, "expires_at": {"N": str(now + ttl)}})
        return approval

    def get(self, approval_id: str) -> Optional[Approval]:
        answer = self._call("get_item", TableName=self.table, Key={"approval_id": {"S": approval_id}},
                            ConsistentRead=True)
        item = answer.get("Item")
        try:
            return Approval.from_item(item) if item else None
        except (KeyError, ValueError):
            raise StoreError("malformed approval item") from None

    def decide(self, approval_id: str, approver: str, status: str, now: int, ttl: int) -> None:
        """Approve or deny a pending, unexpired request not made by ``approver``."""
        self._call("update_item", TableName=self.table, Key={"approval_id": {"S": approval_id}},
                   UpdateExpression="SET #status = :s, decided_by = :by, decided_at = :now, expires_at = :exp",
                   ConditionExpression="#status = :pending AND requester <> :by AND expires_at > :now",
                   ExpressionAttributeNames={"#status": "status"},
                   ExpressionAttributeValues={":s": {"S": status}, ":by": {"S": approver},
                                              ":now": {"N": str(now)}, ":exp": {"N": str(now + ttl)},
                                              ":pending": {"S": PENDING}})

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return call(self.client, operation, **kwargs)
