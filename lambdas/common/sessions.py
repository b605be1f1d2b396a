"""Session records in DynamoDB. Every failure raises StoreError: callers fail closed.

A session id is a bearer credential (the session authorizer allows whoever presents it),
so the table never holds one: an item is keyed by the id's SHA-256 (``session_id``, kept
as the key attribute's name so that upgrading does not replace the table). A table reader
learns who holds which session, never an id to present. Logs, the STS session tag, the
SourceIdentity and the authorizer's context carry ``session_ref``: the first 8 hex digits
of that hash, enough to find the item, useless to present.

Item: ``{session_id: <sha256 hex>, user, profile, source_identity, role_arn, issued_at,
expires_at, status}`` (+ ``identity_source``, ``approval_id`` when an approval allowed it),
``status`` ``pending`` (written before AssumeRole, never accepted), ``active`` (the caller
received credentials) or ``revoked``; times in epoch seconds, ``expires_at`` the table's
TTL attribute. Revocation adds ``revoked_by``, ``revoked_at``, ``revoked_reason``;
activation ``activated_at``; every write a ``write_token`` (see lambdas.common.dynamodb).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from lambdas.common.dynamodb import ConditionFailed, StoreError, call, put_once, update_once

__all__ = [
    "ACTIVE",
    "PENDING",
    "REVOKED",
    "ConditionFailed",
    "Session",
    "SessionStore",
    "StoreError",
    "is_session_id",
    "session_key",
    "session_ref",
]

ACTIVE, PENDING, REVOKED = "active", "pending", "revoked"
SESSION_REF_LENGTH = 8
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
_SESSION_KEY = re.compile(r"[0-9a-f]{64}")


def is_session_id(value: object) -> bool:
    """What the TVM hands out: 32 lowercase hex digits (128 random bits), nothing else."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def is_session_key(value: object) -> bool:
    return isinstance(value, str) and _SESSION_KEY.fullmatch(value) is not None


def session_key(session_id: str) -> str:
    """The table key of a session: SHA-256 of its id, in hex."""
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def session_ref(key: str | None) -> str | None:
    """The short, non-secret name of a session (from its key, never from its id)."""
    if not isinstance(key, str) or not key:
        return None
    return key[:SESSION_REF_LENGTH]


_NAMES = {"#user": "user", "#status": "status"}


@dataclass(frozen=True)
class Session:
    key: str
    user: str
    profile: str
    source_identity: str
    role_arn: str
    issued_at: int
    expires_at: int
    status: str = ACTIVE
    identity_source: str | None = None
    approval_id: str | None = None
    revoked: str | None = None  # "by <who> at <epoch>: <why>", read back only

    @property
    def ref(self) -> str:
        return self.key[:SESSION_REF_LENGTH]

    def item(self) -> dict[str, Any]:
        item = {
            "session_id": {"S": self.key},
            "user": {"S": self.user},
            "profile": {"S": self.profile},
            "source_identity": {"S": self.source_identity},
            "role_arn": {"S": self.role_arn},
            "issued_at": {"N": str(self.issued_at)},
            "expires_at": {"N": str(self.expires_at)},
            "status": {"S": self.status},
        }
        if self.identity_source:
            item["identity_source"] = {"S": self.identity_source}
        if self.approval_id:
            item["approval_id"] = {"S": self.approval_id}
        return item

    @staticmethod
    def from_item(item: dict[str, Any]) -> Session:
        """A session from its item; KeyError, TypeError or ValueError for an item not written by the TVM."""

        def optional(name: str) -> str | None:
            value = item.get(name)
            return value["S"] if value is not None else None

        return Session(
            key=item["session_id"]["S"],
            user=item["user"]["S"],
            profile=item["profile"]["S"],
            source_identity=item["source_identity"]["S"],
            role_arn=item["role_arn"]["S"],
            issued_at=int(item["issued_at"]["N"]),
            expires_at=int(item["expires_at"]["N"]),
            status=item["status"]["S"],
            identity_source=optional("identity_source"),
            approval_id=optional("approval_id"),
            revoked=_revocation(item),
        )


def _revocation(item: dict[str, Any]) -> str | None:
    if "revoked_by" not in item:
        return None
    return f"by {item['revoked_by']['S']} at {int(item['revoked_at']['N'])}: {item['revoked_reason']['S']}"


class SessionStore:
    """Sessions by key (``session_key(id)``); the id itself never reaches this class."""

    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def create(self, session: Session) -> None:
        put_once(self.client, self.table, self._key(session.key), session.item(), "attribute_not_exists(session_id)")

    def get(self, key: str) -> Session | None:
        answer = call(self.client, "get_item", TableName=self.table, Key=self._key(key), ConsistentRead=True)
        item = answer.get("Item")
        return _session(item) if item else None

    def extend(self, key: str, user: str, expires_at: int, now: int) -> None:
        """Move expires_at forward, only while the session is active and the caller's."""
        update_once(
            self.client,
            self.table,
            self._key(key),
            "expires_at = :e, refreshed_at = :n",
            "#status = :active AND #user = :u AND expires_at <= :e",
            _NAMES,
            {":e": {"N": str(expires_at)}, ":n": {"N": str(now)}, ":active": {"S": ACTIVE}, ":u": {"S": user}},
        )

    def activate(self, key: str, user: str, now: int) -> None:
        """Mark a pending session active once its caller has credentials; ConditionFailed if it
        is not the caller's pending session (revoked meanwhile, say)."""
        update_once(
            self.client,
            self.table,
            self._key(key),
            "#status = :active, activated_at = :n",
            "#status = :pending AND #user = :u",
            _NAMES,
            {":active": {"S": ACTIVE}, ":pending": {"S": PENDING}, ":u": {"S": user}, ":n": {"N": str(now)}},
        )

    def revoke(self, key: str, by: str, reason: str, now: int, only_if: tuple[str, ...] = (ACTIVE, PENDING)) -> None:
        """Mark a session revoked, with who, when and why; ConditionFailed (with the item as it
        is) if there is no such session or its status is not one of ``only_if``. Revoking a
        pending session makes its activation fail, so a vend in flight issues nothing."""
        statuses = {f":from{index}": {"S": status} for index, status in enumerate(only_if)}
        update_once(
            self.client,
            self.table,
            self._key(key),
            "#status = :revoked, revoked_by = :by, revoked_at = :at, revoked_reason = :why",
            f"#status IN ({', '.join(statuses)})",
            {"#status": "status"},
            {":revoked": {"S": REVOKED}, ":by": {"S": by}, **statuses, ":at": {"N": str(now)}, ":why": {"S": reason}},
        )

    @staticmethod
    def _key(key: str) -> dict[str, Any]:
        return {"session_id": {"S": key}}


def _session(item: dict[str, Any]) -> Session:
    try:
        return Session.from_item(item)
    except (KeyError, TypeError, ValueError):
        raise StoreError("malformed session item") from None
