"""Benchmark the TVM handler against moto. Prints figures; asserts nothing.

    python bench/tvm.py [--requests 300] [--rules-cache 0|30]

For an allowed request (SSM rules, DynamoDB session write, STS AssumeRole) and a denied
one (SSM rules only), prints p50/p99 of the whole handler call, of the time spent inside
moto (its request handling, timed at moto's botocore hook), and of the difference: the
TVM's own share, including boto3's request building and response parsing. In AWS the
moto share is replaced by real service latency (typically a few ms to tens of ms per
call); the source document's target is p99 < 200 ms end to end.

``identity`` prints what naming the caller costs: a warm resolve (IAM user, and an Identity
Center session whose role check is cached per container) and a cold one, the first
Identity Center caller of a new container, which pays one ``iam:GetRole`` (moto's share
shown; in AWS, IAM's latency instead).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)

from moto import mock_aws  # noqa: E402
from moto.core import botocore_stubber  # noqa: E402


class MotoTimer:
    """Adds up the time moto spends answering requests (its before-send hook)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._original = botocore_stubber.BotocoreStubber.__call__
        timer = self

        def timed(stubber, event_name, request, **kwargs):
            started = time.perf_counter()
            try:
                return timer._original(stubber, event_name, request, **kwargs)
            finally:
                timer.total += time.perf_counter() - started

        botocore_stubber.BotocoreStubber.__call__ = timed

    def restore(self) -> None:
        botocore_stubber.BotocoreStubber.__call__ = self._original


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(world, user: str, count: int, timer: MotoTimer) -> dict:
    totals, motos = [], []
    from lambdas.tvm import handler as tvm

    for _ in range(count):
        event = world.event("GET", "/", user, query={"profile": "prod"})
        timer.total = 0.0
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            answer = tvm.handler(event, None)
        totals.append(time.perf_counter() - started)
        motos.append(timer.total)
    own = [t - m for t, m in zip(totals, motos, strict=True)]
    ms = lambda values, q: round(percentile(values, q) * 1000, 2)  # noqa: E731
    return {
        "status": answer["statusCode"],
        "requests": count,
        "handler_p50_ms": ms(totals, 0.5),
        "handler_p99_ms": ms(totals, 0.99),
        "moto_p50_ms": ms(motos, 0.5),
        "moto_p99_ms": ms(motos, 0.99),
        "tvm_p50_ms": ms(own, 0.5),
        "tvm_p99_ms": ms(own, 0.99),
        "tvm_mean_ms": round(statistics.fmean(own) * 1000, 2),
    }


def measure_identity(world, count: int, timer: MotoTimer) -> dict:
    from lambdas.tvm.identity import IdentityResolver, IdentitySources
    from tests.support.tvm_world import ACCOUNT_ID, iam_user_arn, user_arn

    resolver = IdentityResolver(IdentitySources(), world.iam)
    us = lambda values: round(statistics.median(values) * 1e6, 1)  # noqa: E731

    def warm(arn: str) -> float:
        resolver.resolve(arn, ACCOUNT_ID)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            resolver.resolve(arn, ACCOUNT_ID)
            times.append(time.perf_counter() - started)
        return us(times)

    cold, cold_moto = [], []
    for _ in range(min(count, 100)):
        fresh = IdentityResolver(IdentitySources(), world.iam)
        timer.total = 0.0
        started = time.perf_counter()
        fresh.resolve(user_arn("alice"), ACCOUNT_ID)
        cold.append(time.perf_counter() - started)
        cold_moto.append(timer.total)
    return {
        "warm_iam_user_us": warm(iam_user_arn("alice")),
        "warm_identity_center_us": warm(user_arn("alice")),
        "cold_identity_center_ms": round(statistics.median(cold) * 1000, 2),
        "cold_identity_center_moto_ms": round(statistics.median(cold_moto) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rules-cache", type=int, default=0, help="TVM_RULES_CACHE_SECONDS (0: read SSM every time)")
    args = parser.parse_args()
    timer = MotoTimer()
    try:
        with mock_aws():
            from tests.support.tvm_world import build_world

            world = build_world()
            os.environ["TVM_RULES_CACHE_SECONDS"] = str(args.rules_cache)
            from lambdas.tvm import handler as tvm

            tvm.reset_state(session=world.session, clock=world.clock, new_id=world.new_id)
            measure(world, "alice", 20, timer)  # warm up: clients, models, caches
            results = {
                "allow": measure(world, "alice", args.requests, timer),
                "deny": measure(world, "mallory", args.requests, timer),
                "identity": measure_identity(world, args.requests, timer),
            }
    finally:
        timer.restore()
    print(json.dumps({"rules_cache_seconds": args.rules_cache, **results}, indent=2))


if __name__ == "__main__":
    main()
