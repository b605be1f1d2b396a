"""Credentials cache: Secrets Manager calls and the cost of a read, cached against uncached.

    python bench/credentials.py [--reads 1000] [--ttl 300] [--rate 10]

Secrets Manager in moto; GetSecretValue calls are counted at the client. Prints:
- GetSecretValue calls per ``--reads`` reads with ``DatabaseCredentials`` (AWSCURRENT cached
  for ``--ttl`` seconds) and without a cache (one call per read, the source document's code);
- the same over one hour of a container serving ``--rate`` reads per second (a fake clock),
  and what the calls cost at $0.05 per 10,000 (the source document's price);
- the time of a cached read in microseconds, next to the source document's 50-200 ms for an
  uncached call (moto's own call time is printed too, but it never leaves the process).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from moto import mock_aws

from lambdas.common.database_secret import AWSCURRENT, DatabaseCredentials

PRICE_PER_10K = 0.05
SOURCE_LATENCY_MS = (50, 200)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--ttl", type=float, default=300)
    parser.add_argument("--rate", type=float, default=10, help="reads per second over the simulated hour")
    args = parser.parse_args()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        os.environ.setdefault(name, value)

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-1")
        calls = [0]
        client.meta.events.register(
            "before-call.secrets-manager.GetSecretValue", lambda **_: calls.__setitem__(0, calls[0] + 1)
        )
        arn = client.create_secret(
            Name="bench/db",
            SecretString=json.dumps(
                {"host": "db.example", "port": 3306, "username": "app", "password": "not-a-real-one"}
            ),
        )["ARN"]

        def uncached_read() -> None:
            client.get_secret_value(SecretId=arn, VersionStage=AWSCURRENT)

        clock = FakeClock()
        cached = DatabaseCredentials(arn, client, ttl_seconds=args.ttl, clock=clock)
        calls[0] = 0
        for _ in range(args.reads):
            cached.current()
        with_cache = calls[0]
        calls[0] = 0
        for _ in range(args.reads):
            uncached_read()
        without_cache = calls[0]

        reads_per_hour = int(args.rate * 3600)
        hourly = DatabaseCredentials(arn, client, ttl_seconds=args.ttl, clock=clock)
        calls[0] = 0
        for index in range(reads_per_hour):
            clock.now = index / args.rate
            hourly.current()
        hourly_cached = calls[0]

        warm = DatabaseCredentials(arn, client, ttl_seconds=args.ttl)  # the real monotonic clock
        warm.current()
        loops = 200_000
        cached_us = min(timeit.repeat(warm.current, number=loops, repeat=5)) / loops * 1e6
        moto_ms = min(timeit.repeat(uncached_read, number=200, repeat=3)) / 200 * 1e3

    print(
        f"GetSecretValue calls per {args.reads:,} reads: {with_cache} with the cache (TTL {args.ttl:g} s), "
        f"{without_cache:,} without"
    )
    print(
        f"one hour at {args.rate:g} reads/s ({reads_per_hour:,} reads): {hourly_cached} calls cached "
        f"(${hourly_cached * PRICE_PER_10K / 10_000:.6f}), {reads_per_hour:,} uncached "
        f"(${reads_per_hour * PRICE_PER_10K / 10_000:.4f}); per 30-day month: "
        f"${hourly_cached * 720 * PRICE_PER_10K / 10_000:.4f} vs ${reads_per_hour * 720 * PRICE_PER_10K / 10_000:.2f}"
    )
    print(
        f"cached read: {cached_us:.2f} µs; uncached: {SOURCE_LATENCY_MS[0]}-{SOURCE_LATENCY_MS[1]} ms per the "
        f"source document (moto in-process: {moto_ms:.2f} ms, no network)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
