"""Session records in DynamoDB. Every failure raises StoreError: callers fail closed.

Item: ``{session_id, user, profile, source_identity, role_arn, issued_at, expires_at,
status}`` with ``status`` ``pending`` (written before AssumeRole, never accepted),
``active`` (credentials were issued) or ``revoked``, and times in epoch seconds
(``expires_at`` is the table's TTL attribute). Revocation adds ``revoked_by``,
``revoked_at`` and ``revoked_reason``; activation adds ``activated_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from lambdas.common.dynamodb import ConditionFailed, StoreError, call

__all__ = ["ACTIVE", "PENDING", "REVOKED", "ConditionFailed", "Session", "SessionStore", "StoreError",
           "session_ref"]

ACTIVE, PENDING, REVOKED = "active", "pending", "revoked"
SESSION_REF_LENGTH = 8


def session_ref(session_id: Optional[str]) -> Optional[str]:
    """What logs carry instead of a session id (a bearer credential for the authorizer):
    its first 8 characters, the same as the SourceIdentity suffix, never the whole id."""
    if not isinstance(session_id, str) or not session_id:
        return None
    return session_id[:SESSION_REF_LENGTH]
_NAMES = {"#user": "user", "#status": "status"}


@dataclass(frozen=True)
class Session:
    session_id: str
    user: str
    profile: str
    source_identity: str
    role_arn: str
    issued_at: int
    expires_at: int
    status: str = ACTIVE

    def item(self) -> dict[str, Any]:
        return {"session_id": {"S": self.session_id}, "user": {"S": self.user},
                "profile": {"S": self.profile}, "source_identity": {"S": self.source_identity},
                "role_arn": {"S": self.role_arn}, "issued_at": {"N": str(self.issued_at)},
                "expires_at": {"N": str(self.expires_at)}, "status": {"S": self.status}}

    @staticmethod
    def from_item(item: dict[str, Any]) -> "Session":
        return Session(session_id=item["session_id"]["S"], user=item["user"]["S"],
                       profile=item["profile"]["S"], source_identity=item["source_identity"]["S"],
                       role_arn=item["role_arn"]["S"], issued_at=int(item["issued_at"]["N"]),
                       expires_at=int(item["expires_at"]["N"]), status=item["status"]["S"])


class SessionStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def create(self, session: Session) -> None:
        self._call("put_item", TableName=self.table, Item=session.item(),
                   ConditionExpression="attribute_not_exists(session_id)")

    def get(self, session_id: str) -> Optional[Session]:
        answer = self._call("get_item", TableName=self.table, Key={"session_id": {"S": session_id}},
                            ConsistentRead=True)
        item = answer.get("Item")
        try:
            return Session.from_item(item) if item else None
        except (KeyError, ValueError):
            raise StoreError("malformed session item") from None

    def extend(self, session_id: str, user: str, expires_at: int, now: int) -> None:
        """Move expires_at forward, only while the session is active and the caller's."""
        self._call("update_item", TableName=self.table, Key={"session_id": {"S": session_id}},
                   UpdateExpression="SET expires_at = :e, refreshed_at = :n",
                   ConditionExpression="#status = :active AND #user = :u AND expires_at <= :e",
                   ExpressionAttributeNames=_NAMES,
                   ExpressionAttributeValues={":e": {"N": str(expires_at)}, ":n": {"N": str(now)},
                                              ":active": {"S": ACTIVE}, ":u": {"S": user}})

    def activate(self, session_id: str, user: str, now: int) -> None:
        """Mark a pending session active once its credentials exist; ConditionFailed if it is
        not the caller's pending session (revoked meanwhile, say)."""
        self._call("update_item", TableName=self.table, Key={"session_id": {"S": session_id}},
                   UpdateExpression="SET #status = :active, activated_at = :n",
                   ConditionExpression="#status = :pending AND #user = :u",
                   ExpressionAttributeNames=_NAMES,
                   ExpressionAttributeValues={":active": {"S": ACTIVE}, ":pending": {"S": PENDING},
                                              ":u": {"S": user}, ":n": {"N": str(now)}})

    def revoke(self, session_id: str, by: str, reason: str, now: int,
               only_if: tuple[str, ...] = (ACTIVE, PENDING)) -> None:
        """Mark a session revoked, with who, when and why; ConditionFailed if there is no such
        session or its status is not one of ``only_if``. Revoking a pending session makes its
        activation fail, so a vend in flight issues nothing."""
        statuses = {f":from{index}": {"S": status} for index, status in enumerate(only_if)}
        self._call("update_item", TableName=self.table, Key={"session_id": {"S": session_id}},
                   UpdateExpression="SET #status = :revoked, revoked_by = :by, revoked_at = :at, "
                                    "revoked_reason = :why",
                   ConditionExpression=f"#status IN ({', '.join(statuses)})",
                   ExpressionAttributeNames={"#status": "status"},
                   ExpressionAttributeValues={":revoked": {"S": REVOKED}, ":by": {"S": by}, **statuses,
                                              ":at": {"N": str(now)}, ":why": {"S": reason}})

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return call(self.client, operation, **kwargs)
