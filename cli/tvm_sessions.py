"""List and revoke TVM sessions (operators).

    python -m cli.tvm_sessions [--table T] [--region R] list [--user U] [--profile P] [--active] [--json]
    python -m cli.tvm_sessions [--table T] [--region R] revoke SESSION_ID --reason TEXT

``--table`` defaults to ``$TVM_SESSION_TABLE`` (stack output ``tvmSessionsTable``).
Revoking sets status ``revoked`` with who (the caller's ARN), when and why; the TVM then
refuses to refresh the session and the session authorizer denies it at once. Credentials
already issued stay valid until they expire.

Exit status: 0 done, 1 no such active session, 2 bad usage or an AWS error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.sessions import ConditionFailed, SessionStore, StoreError

EXIT_OK, EXIT_MISSING, EXIT_ERROR = 0, 1, 2


def main(argv: Optional[Sequence[str]] = None, session: Any = None,
         clock: Callable[[], float] = time.time) -> int:
    args = _parser().parse_args(argv)
    table = args.table or os.environ.get("TVM_SESSION_TABLE")
    if not table:
        print("tvm-sessions: no table: pass --table or set TVM_SESSION_TABLE", file=sys.stderr)
        return EXIT_ERROR
    session = session or boto3.session.Session(region_name=args.region)
    try:
        dynamodb = session.client("dynamodb")
        if args.command == "list":
            return _list(dynamodb, table, args, clock)
        return _revoke(dynamodb, table, args, session.client("sts"), clock)
    except (StoreError, ClientError, BotoCoreError) as error:
        print(f"tvm-sessions: AWS error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cli.tvm_sessions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", help="sessions table (default: $TVM_SESSION_TABLE)")
    parser.add_argument("--region")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list sessions, newest first")
    listing.add_argument("--user")
    listing.add_argument("--profile")
    listing.add_argument("--active", action="store_true", help="only active, unexpired sessions")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    revoke = commands.add_parser("revoke", help="revoke one session")
    revoke.add_argument("session_id")
    revoke.add_argument("--reason", required=True, help="why (kept on the session)")
    return parser


def sessions(dynamodb: Any, table: str, user: Optional[str] = None, profile: Optional[str] = None) -> list[dict]:
    """Every session matching the filters (a scan: sessions expire, so the table stays small)."""
    filters, values = [], {}
    if user:
        filters.append("#user = :user")
        values[":user"] = {"S": user}
    if profile:
        filters.append("profile = :profile")
        values[":profile"] = {"S": profile}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    if filters:
        kwargs.update(FilterExpression=" AND ".join(filters), ExpressionAttributeValues=values)
        if user:
            kwargs["ExpressionAttributeNames"] = {"#user": "user"}
    items = []
    for page in dynamodb.get_paginator("scan").paginate(**kwargs):
        items += [{k: _plain(v) for k, v in item.items()} for item in page.get("Items", [])]
    return sorted(items, key=lambda i: (-int(i.get("issued_at", 0)), i.get("session_id", "")))


def _list(dynamodb: Any, table: str, args: argparse.Namespace, clock: Callable[[], float]) -> int:
    now = clock()
    rows = sessions(dynamodb, table, args.user, args.profile)
    if args.active:
        rows = [r for r in rows if r.get("status") == "active" and int(r.get("expires_at", 0)) > now]
    if args.json:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        return EXIT_OK
    print(f"{'SESSION':32}  {'USER':20}  {'PROFILE':12}  {'STATUS':8}  {'ISSUED (UTC)':20}  {'EXPIRES (UTC)':20}  NOTE")
    for row in rows:
        status = row.get("status", "?")
        if status in ("active", "pending") and int(row.get("expires_at", 0)) <= now:
            status = "expired"
        note = ""
        if row.get("status") == "revoked":
            note = f"by {row.get('revoked_by')} at {_time(row.get('revoked_at'))}: {row.get('revoked_reason')}"
        print(f"{row.get('session_id', ''):32}  {row.get('user', ''):20}  {row.get('profile', ''):12}  {status:8}  "
              f"{_time(row.get('issued_at')):20}  {_time(row.get('expires_at')):20}  {note}".rstrip())
    return EXIT_OK


def _revoke(dynamodb: Any, table: str, args: argparse.Namespace, sts: Any, clock: Callable[[], float]) -> int:
    reason = args.reason.strip()
    if not reason:
        print("tvm-sessions: --reason must say why", file=sys.stderr)
        return EXIT_ERROR
    who = sts.get_caller_identity()["Arn"]
    store = SessionStore(dynamodb, table)
    try:
        store.revoke(args.session_id, who, reason, int(clock()))
    except ConditionFailed:
        current = store.get(args.session_id)
        if current is None:
            print(f"tvm-sessions: no session {args.session_id}", file=sys.stderr)
        else:
            print(f"tvm-sessions: session {args.session_id} is already {current.status}", file=sys.stderr)
        return EXIT_MISSING
    print(f"revoked {args.session_id} by {who}: {reason}")
    print("note: credentials already issued for this session stay valid until they expire.")
    return EXIT_OK


def _plain(value: dict) -> Any:
    kind, raw = next(iter(value.items()))
    return int(raw) if kind == "N" else raw


def _time(epoch: Any) -> str:
    if epoch in (None, ""):
        return "-"
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    sys.exit(main())
