"""List and revoke TVM sessions and approvals (operators).

    python -m cli.tvm_sessions [--table T] [--approval-table A] [--region R] list [--user U] [--profile P]
                               [--active] [--json]
    python -m cli.tvm_sessions ... revoke SESSION --reason TEXT
    python -m cli.tvm_sessions ... revoke-approval APPROVAL_ID --reason TEXT

``--table`` defaults to ``$TVM_SESSION_TABLE`` (stack output ``tvmSessionsTable``),
``--approval-table`` to ``$TVM_APPROVAL_TABLE`` (``tvmApprovalsTable``). The table holds no
session id, only its SHA-256 (``KEY`` in the listing, whose first 8 characters are the
``session_ref`` of the logs, the SourceIdentity and CloudTrail): ``revoke`` takes that key,
or the session id itself (as the holder shows it), which is hashed here. Revoking sets
status ``revoked`` with who (the caller's ARN), when and why; the TVM then refuses to
refresh the session and the session authorizer denies it at once. Credentials already
issued stay valid until they expire. ``revoke-approval`` ends an approval (pending, approved
or used) and, when it was used, revokes the session it created.

Exit status: 0 done, 1 no such session or approval in a state that can be revoked, 2 bad
usage or an AWS error. Items the TVM did not write are skipped and counted on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cli.command_line import ArgumentParser
from lambdas.common.sessions import (
    ConditionFailed,
    Session,
    SessionStore,
    StoreError,
    is_session_id,
    is_session_key,
    session_key,
)
from lambdas.tvm.approvals import ApprovalStore

EXIT_OK, EXIT_MISSING, EXIT_ERROR = 0, 1, 2
PROG = "tvm-sessions"


class UsageError(Exception):
    """Bad usage: one line on stderr, exit 2."""


def main(argv: Sequence[str] | None = None, session: Any = None, clock: Callable[[], float] = time.time) -> int:
    args = _parser().parse_args(argv)
    session = session or boto3.session.Session(region_name=args.region)
    try:
        dynamodb = session.client("dynamodb")
        if args.command == "list":
            return _list(dynamodb, _table(args.table, "TVM_SESSION_TABLE", "--table"), args, clock)
        if args.command == "revoke":
            return _revoke(
                dynamodb, _table(args.table, "TVM_SESSION_TABLE", "--table"), args, session.client("sts"), clock
            )
        return _revoke_approval(dynamodb, args, session.client("sts"), clock)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (StoreError, ClientError, BotoCoreError) as error:
        print(f"{PROG}: AWS error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="python -m cli.tvm_sessions", description=__doc__.split("\n\n")[0], command=PROG)
    parser.add_argument("--table", help="sessions table (default: $TVM_SESSION_TABLE)")
    parser.add_argument("--approval-table", help="approvals table (default: $TVM_APPROVAL_TABLE)")
    parser.add_argument("--region")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list sessions, newest first")
    listing.add_argument("--user")
    listing.add_argument("--profile")
    listing.add_argument("--active", action="store_true", help="only active, unexpired sessions")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    revoke = commands.add_parser("revoke", help="revoke one session (its KEY as listed, or its id)")
    revoke.add_argument("session")
    revoke.add_argument("--reason", required=True, help="why (kept on the session)")
    approval = commands.add_parser("revoke-approval", help="end an approval, and the session it created")
    approval.add_argument("approval_id")
    approval.add_argument("--reason", required=True, help="why (kept on the approval)")
    return parser


def _table(given: str | None, variable: str, option: str) -> str:
    table = given or os.environ.get(variable, "").strip()
    if not table:
        raise UsageError(f"no table: pass {option} or set {variable}")
    return table


def sessions(
    dynamodb: Any, table: str, user: str | None = None, profile: str | None = None
) -> tuple[list[Session], int]:
    """Every session matching the filters (a scan: sessions expire, so the table stays small),
    newest first, and how many items could not be read as sessions."""
    filters, values = [], {}
    if user:
        filters.append("#user = :user")
        values[":user"] = {"S": user.lower()}
    if profile:
        filters.append("profile = :profile")
        values[":profile"] = {"S": profile}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    if filters:
        kwargs.update(FilterExpression=" AND ".join(filters), ExpressionAttributeValues=values)
        if user:
            kwargs["ExpressionAttributeNames"] = {"#user": "user"}
    found, unreadable = [], 0
    for page in dynamodb.get_paginator("scan").paginate(**kwargs):
        for item in page.get("Items", []):
            try:
                found.append(Session.from_item(item))
            except (KeyError, TypeError, ValueError, AttributeError):
                unreadable += 1
    return sorted(found, key=lambda s: (-s.issued_at, s.key)), unreadable


def _list(dynamodb: Any, table: str, args: argparse.Namespace, clock: Callable[[], float]) -> int:
    now = clock()
    rows, unreadable = sessions(dynamodb, table, args.user, args.profile)
    if args.active:
        rows = [r for r in rows if r.status == "active" and r.expires_at > now]
    if args.json:
        for row in rows:
            print(
                json.dumps(
                    {
                        "key": row.key,
                        "ref": row.ref,
                        "user": row.user,
                        "profile": row.profile,
                        "status": _status(row, now),
                        "source_identity": row.source_identity,
                        "identity_source": row.identity_source,
                        "approval_id": row.approval_id,
                        "issued_at": row.issued_at,
                        "expires_at": row.expires_at,
                        "revoked": row.revoked,
                    },
                    sort_keys=True,
                )
            )
    else:
        print(f"{'KEY':64}  {'USER':20}  {'PROFILE':12}  {'STATUS':8}  {'ISSUED (UTC)':20}  {'EXPIRES (UTC)':20}  NOTE")
        for row in rows:
            print(
                f"{row.key:64}  {row.user:20}  {row.profile:12}  {_status(row, now):8}  "
                f"{_time(row.issued_at):20}  {_time(row.expires_at):20}  {row.revoked or ''}".rstrip()
            )
    if unreadable:
        print(f"{PROG}: skipped {unreadable} item(s) that are not TVM sessions", file=sys.stderr)
    return EXIT_OK


def _status(session: Session, now: float) -> str:
    if session.status in ("active", "pending") and session.expires_at <= now:
        return "expired"
    return session.status


def _revoke(dynamodb: Any, table: str, args: argparse.Namespace, sts: Any, clock: Callable[[], float]) -> int:
    reason = _reason(args)
    key = _key(args.session)
    who = sts.get_caller_identity()["Arn"]
    store = SessionStore(dynamodb, table)
    try:
        store.revoke(key, who, reason, int(clock()))
    except ConditionFailed as failed:
        return _not_revocable(f"session {key[:8]}…", failed)
    print(f"revoked session {key[:8]}… by {who}: {reason}")
    print("note: credentials already issued for this session stay valid until they expire.")
    return EXIT_OK


def _revoke_approval(dynamodb: Any, args: argparse.Namespace, sts: Any, clock: Callable[[], float]) -> int:
    reason = _reason(args)
    if not is_session_id(args.approval_id):
        raise UsageError(f"{args.approval_id!r} is not an approval id (32 hex digits)")
    approvals = ApprovalStore(dynamodb, _table(args.approval_table, "TVM_APPROVAL_TABLE", "--approval-table"))
    who, now = sts.get_caller_identity()["Arn"], int(clock())
    try:
        approval = approvals.revoke(args.approval_id, who, reason, now)
    except ConditionFailed as failed:
        return _not_revocable(f"approval {args.approval_id}", failed)
    print(f"revoked approval {args.approval_id} by {who}: {reason}")
    if approval.used_by:
        table = _table(args.table, "TVM_SESSION_TABLE", "--table")
        try:
            SessionStore(dynamodb, table).revoke(approval.used_by, who, f"approval revoked: {reason}", now)
            print(f"revoked session {approval.used_by[:8]}… that it created")
        except ConditionFailed:
            print(f"its session {approval.used_by[:8]}… was already closed")
    return EXIT_OK


def _not_revocable(what: str, failed: ConditionFailed) -> int:
    """Why a revoke changed nothing (``failed.item`` is what a consistent read found), on stderr."""
    if failed.item is None:
        print(f"{PROG}: no {what}", file=sys.stderr)
    else:
        print(f"{PROG}: {what} is already {failed.item.get('status', {}).get('S', 'unreadable')}", file=sys.stderr)
    return EXIT_MISSING


def _reason(args: argparse.Namespace) -> str:
    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason must say why")
    return reason


def _key(value: str) -> str:
    if is_session_key(value):
        return value
    if is_session_id(value):
        return session_key(value)
    raise UsageError("SESSION must be a session KEY (64 hex digits, as listed) or a session id (32 hex digits)")


def _time(epoch: Any) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    sys.exit(main())
