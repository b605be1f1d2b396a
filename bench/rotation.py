"""Rotation under load: connect() against the naive cached-AWSCURRENT connector, one run.

    python bench/rotation.py [--workers 4] [--rotations 10] [--window-ms 1000] [--gap-ms 300]
                             [--connect-timeout 30]

A throwaway MariaDB on 127.0.0.1 (offering TLS, as Aurora does) and Secrets Manager in moto.
Two groups of ``--workers`` threads each open fresh connections and run ``SELECT 1`` in a
loop, one group through ``lambdas.common.database.connect`` and one through the naive
connector (AWSCURRENT cached for 300 s, no fallback, PyMySQL's own TLS), against the same
user and secret, while a driver performs the hosted MySQLSingleUser template's four steps
``--rotations`` times. The window between setSecret and finishSecret is held open for
``--window-ms`` and each worker is guaranteed at least one attempt inside it. The hosted
function's steps are separate invocations, so a real window lasts seconds: with a short
one (50 ms) the one fallback each worker pays per window is over 1% of the attempts inside,
and the p99 inside is that fallback (a refused login, two reads, a login).

Prints, for each connector, the attempts, failures and p50/p99 time to a usable connection
inside the windows (an attempt that overlaps one) and outside them, the ratio of connect()'s
p99 inside to outside (goal: 3x at most), every failure counted by reason, connect()'s
Secrets Manager reads and how many TLS contexts its connections used. Figures depend on the
machine: all workers share one Python interpreter (PyMySQL's handshake and moto are pure
Python), so connect times grow with the number of workers and with the machine's load;
``--connect-timeout`` is generous so that a busy 2-core machine slows the figures down
instead of turning into failures. The tests assert counts, not times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from moto import mock_aws

from lambdas.common.database import connect
from lambdas.common.database_secret import DatabaseCredentials
from tests.support.mariadb import MariaDB, mariadb_installed
from tests.support.rotation import LoadRun, NaiveConnector, RotationDriver, new_password


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class ContextChanges:
    """How many times the TLS context changed from one connection to the next (1 when all
    share one); keeps only the last context, not every one."""

    def __init__(self) -> None:
        self.changes, self._last, self._lock = 0, None, threading.Lock()

    def saw(self, connection):
        context = getattr(connection._sock, "context", None)
        with self._lock:
            if context is not self._last:
                self.changes, self._last = self.changes + 1, context
        return connection


def split(run: LoadRun, windows: list[tuple[float, float]]) -> dict[str, list[tuple[float | None, str | None]]]:
    parts: dict[str, list[tuple[float | None, str | None]]] = {"inside": [], "outside": []}
    for started, elapsed, failure in run.samples:
        ended = started + (elapsed or 0.0)
        inside = any(started <= closed and ended >= opened for opened, closed in windows)
        parts["inside" if inside else "outside"].append((elapsed, failure))
    return parts


def report(label: str, run: LoadRun, windows: list[tuple[float, float]]) -> dict[str, float]:
    p99 = {}
    for where, attempts in split(run, windows).items():
        times_ms = [elapsed * 1000 for elapsed, failure in attempts if failure is None]
        failures = sum(1 for _, failure in attempts if failure is not None)
        p99[where] = percentile(times_ms, 0.99)
        print(
            f"{label:<26}{where:<9}{len(attempts):>9}{failures:>10}"
            f"{percentile(times_ms, 0.5):>11.1f} ms{p99[where]:>11.1f} ms"
        )
    return p99


def failure_lines(label: str, run: LoadRun) -> list[str]:
    counted = Counter(run.failures)
    return [f"  {label}: {count} x {reason}" for reason, count in counted.most_common()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rotations", type=int, default=10)
    parser.add_argument("--window-ms", type=float, default=1000)
    parser.add_argument("--gap-ms", type=float, default=300)
    parser.add_argument("--connect-timeout", type=int, default=30, help="seconds (PyMySQL connect_timeout)")
    args = parser.parse_args()
    if not mariadb_installed():
        print("MariaDB is not installed: apt-get install -y mariadb-server", file=sys.stderr)
        return 2
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        os.environ.setdefault(name, value)

    server = MariaDB.start()
    contexts = ContextChanges()
    try:
        with mock_aws():
            client = boto3.client("secretsmanager", region_name="eu-west-1")
            password = new_password()
            server.create_user("bench", password, "appdb")
            arn = client.create_secret(
                Name="bench/db",
                SecretString=json.dumps(
                    {
                        "engine": "mysql",
                        "host": "127.0.0.1",
                        "port": server.port,
                        "username": "bench",
                        "password": password,
                        "dbname": "appdb",
                    }
                ),
            )["ARN"]
            credentials = DatabaseCredentials(arn, client)
            naive = NaiveConnector(client, arn)
            driver = RotationDriver(client, arn)
            started = time.perf_counter()
            with (
                LoadRun(
                    lambda: contexts.saw(connect(credentials, connect_timeout=args.connect_timeout)), args.workers
                ) as fallback,
                LoadRun(lambda: naive.connect(connect_timeout=args.connect_timeout), args.workers) as cached,
            ):

                def window() -> None:
                    time.sleep(args.window_ms / 1000)
                    fallback.wait_for_attempts(1)
                    cached.wait_for_attempts(1)

                for _ in range(args.rotations):
                    time.sleep(args.gap_ms / 1000)
                    driver.rotate(in_window=window)
                time.sleep(args.gap_ms / 1000)
            elapsed = time.perf_counter() - started
    finally:
        server.stop()

    print(
        f"{args.rotations} rotations, {args.workers} workers per connector, window {args.window_ms:g} ms, "
        f"connect timeout {args.connect_timeout} s, {elapsed:.1f} s (MariaDB with TLS on 127.0.0.1, moto)"
    )
    print(f"{'connector':<26}{'where':<9}{'attempts':>9}{'failures':>10}{'p50 connect':>14}{'p99 connect':>14}")
    p99 = report("connect() with fallback", fallback, driver.windows)
    report("naive cached AWSCURRENT", cached, driver.windows)
    print(f"connect() p99 inside / outside the windows: {p99['inside'] / p99['outside']:.1f}x (goal: 3x at most)")
    print("failures by reason:" if fallback.failures or cached.failures else "failures by reason: none")
    for line in failure_lines("connect()", fallback) + failure_lines("naive", cached):
        print(line)
    print(
        f"connect(): {credentials.fetches} Secrets Manager reads, "
        f"TLS context changed {contexts.changes} times over {len(fallback.connect_seconds)} connections"
    )
    return 0 if not fallback.failures else 1


if __name__ == "__main__":
    sys.exit(main())
