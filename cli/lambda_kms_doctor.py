"""Diagnose and repair a Lambda function whose KMS grant went stale.

  python -m cli.lambda_kms_doctor diagnose --function NAME [--region R] [--json]
  python -m cli.lambda_kms_doctor repair --function NAME [--region R] [--yes]
                                         [--health-payload JSON] [--timeout SECONDS]

diagnose exits 0 ok, 3 stale-grant, 4 missing-permission, 5 propagating, 6 unknown;
repair exits 0 when it repaired (or printed its plan without --yes, or found nothing to
repair), 1 when a step failed, and diagnose's code for a verdict a role swap cannot fix.
Both exit 1 when AWS cannot be read (function not found, access denied) and 2 on bad usage
(or an AWS configuration that cannot be used: unknown profile, no region). Every problem is one
line ``lambda-kms-doctor: <problem>`` on stderr; the report goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from cli.command_line import ArgumentParser, one_line, positive_seconds, report
from cli.kms_doctor.evidence import Evidence, FunctionNotFound, gather
from cli.kms_doctor.repair import RepairError, Waits, execute, make_plan, pulumi_hint
from cli.kms_doctor.verdict import MISSING_PERMISSION, OK, PROPAGATING, STALE_GRANT, UNKNOWN, Verdict, diagnose

COMMAND = "lambda-kms-doctor"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_CODES = {OK: 0, STALE_GRANT: 3, MISSING_PERMISSION: 4, PROPAGATING: 5, UNKNOWN: 6}
ADVICE = {
    STALE_GRANT: "run `repair --function {name}` to renew the grant",
    MISSING_PERMISSION: "allow kms:Decrypt on the key to the role (key policy, or the role's policy when the "
    "key policy delegates to IAM); a role swap would not help",
    PROPAGATING: "wait a few minutes and diagnose again",
    UNKNOWN: "the evidence does not point at a KMS grant; read the function's State and logs",
}


def main(
    argv: Sequence[str] | None = None,
    session: Any = None,
    out: Callable[[str], None] = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    waits: Waits = Waits(),
    err: Callable[[str], None] | None = None,
) -> int:
    """``out`` prints the report; ``err`` a problem (default: ``lambda-kms-doctor: <problem>`` on stderr)."""
    fail = err or (lambda problem: report(COMMAND, problem))
    args = _parser().parse_args(argv)
    try:
        return _run(args, session, out, fail, now, waits)
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        fail(f"unexpected {type(error).__name__}: {one_line(error)}")
        return EXIT_USAGE


def _run(
    args: argparse.Namespace,
    session: Any,
    out: Callable[[str], None],
    fail: Callable[[str], None],
    now: Callable[[], datetime],
    waits: Waits,
) -> int:
    try:
        if session is None:
            import boto3

            session = boto3.Session(region_name=args.region)
    except BotoCoreError as error:  # an unknown profile, ...
        fail(f"cannot use the AWS configuration: {one_line(error)}")
        return EXIT_USAGE
    try:
        evidence = gather(session, args.function)
    except FunctionNotFound as error:
        fail(one_line(error))
        return EXIT_FAILED
    except NoRegionError:
        fail("no AWS region configured: pass --region or set AWS_REGION")
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        fail(f"could not read the function's configuration: {one_line(error)}")
        return EXIT_FAILED
    verdict = diagnose(evidence, now())
    if args.command == "diagnose":
        out(_as_json(evidence, verdict) if args.json else _report(evidence, verdict))
        return EXIT_CODES[verdict.name]
    return _repair(
        args,
        session,
        evidence,
        verdict,
        out,
        fail,
        now,
        Waits(args.timeout, waits.interval_seconds, waits.sleep, waits.clock),
    )


def _repair(
    args: argparse.Namespace,
    session: Any,
    evidence: Evidence,
    verdict: Verdict,
    out: Callable[[str], None],
    fail: Callable[[str], None],
    now: Callable[[], datetime],
    waits: Waits,
) -> int:
    out(_report(evidence, verdict))
    if verdict.name == OK:
        out("nothing to repair")
        return EXIT_OK
    if verdict.name != STALE_GRANT:
        out(f"not repairing: a role swap renews a stale grant, and the verdict is {verdict.name}")
        return EXIT_CODES[verdict.name]
    plan = make_plan(evidence, verdict.stale_grants, args.health_payload)
    out("plan:")
    out("\n".join(f"  {n}. {step}" for n, step in enumerate(plan.steps(), 1)))
    if not args.yes:
        out("nothing changed; run again with --yes to carry out this plan")
        return EXIT_OK
    try:
        execute(plan, session, out, waits)
    except (RepairError, ClientError, BotoCoreError) as error:
        fail(f"repair failed: {one_line(error)}")
        return EXIT_FAILED
    out("repaired. A new grant can take a few minutes to be usable: diagnose again before invoking.")
    try:
        after = diagnose(gather(session, args.function), now())
    except (FunctionNotFound, ClientError, BotoCoreError) as error:
        out(f"could not diagnose again: {error}")
    else:
        out(f"verdict now: {after.name} ({after.summary})")
    return EXIT_OK


def _report(evidence: Evidence, verdict: Verdict) -> str:
    lines = [f"verdict: {verdict.name}: {verdict.summary}", "evidence:"]
    lines += [f"  - {fact}" for fact in verdict.evidence]
    if verdict.name in ADVICE:
        lines.append("next: " + ADVICE[verdict.name].format(name=evidence.function.name))
    hint = pulumi_hint(evidence) if verdict.name == STALE_GRANT else None
    if hint:
        lines.append("pulumi: " + hint)
    return "\n".join(lines)


def _as_json(evidence: Evidence, verdict: Verdict) -> str:
    return json.dumps(
        {
            "function": evidence.function.name,
            "verdict": verdict.name,
            "summary": verdict.summary,
            "evidence": list(verdict.evidence),
            "staleGrants": [g.grant_id for g in verdict.stale_grants],
            "currentGrants": [g.grant_id for g in verdict.current_grants],
            "pulumiHint": pulumi_hint(evidence) if verdict.name == STALE_GRANT else None,
        },
        indent=2,
    )


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m cli.lambda_kms_doctor", command=COMMAND, description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("diagnose", "read-only: one verdict with its evidence"),
        ("repair", "renew the grant by a temporary role swap (plan only without --yes)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--function", required=True, help="function name or ARN")
        command.add_argument("--region", help="AWS region (default: the profile's)")
    diagnose_ = commands.choices["diagnose"]
    diagnose_.add_argument("--json", action="store_true", help="print the verdict as JSON")
    repair = commands.choices["repair"]
    repair.add_argument("--yes", action="store_true", help="carry out the plan")
    repair.add_argument(
        "--health-payload", metavar="JSON", type=_json_text, help="invoke the function with this payload after the swap"
    )
    repair.add_argument(
        "--timeout",
        type=positive_seconds,
        default=180.0,
        metavar="SECONDS",
        help="longest wait for each update (default 180)",
    )
    return parser


def _json_text(text: str) -> str:
    try:
        json.loads(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be JSON") from None
    return text


if __name__ == "__main__":
    sys.exit(main())
