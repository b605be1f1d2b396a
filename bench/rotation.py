"""Rotation under load: connect() against the naive cached-AWSCURRENT connector, one run.

    python bench/rotation.py [--workers 4] [--rotations 20] [--window-ms 50] [--gap-ms 50]

A throwaway MariaDB on 127.0.0.1 and Secrets Manager in moto. Two groups of ``--workers``
threads each open fresh connections and run ``SELECT 1`` in a loop, one group through
``lambdas.common.database.connect`` and one through the naive connector (AWSCURRENT
cached for 300 s, no fallback), against the same user and secret, while a driver performs
the hosted MySQLSingleUser template's four steps ``--rotations`` times. The window between
setSecret and finishSecret is held open for ``--window-ms`` (the hosted function takes
seconds there) and each worker is guaranteed at least one attempt inside it.

Prints queries, failures and the p50/p99 time to a usable connection for both. Figures
depend on the machine: all workers share one Python interpreter (PyMySQL's handshake and
moto are pure Python), so connect times grow with the number of workers. The tests assert
only zero versus non-zero failures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from lambdas.common.database import DatabaseCredentials, connect  # noqa: E402
from tests.mariadb import MariaDB, mariadb_installed  # noqa: E402
from tests.rotation import LoadRun, NaiveConnector, RotationDriver, new_password  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rotations", type=int, default=20)
    parser.add_argument("--window-ms", type=float, default=50)
    parser.add_argument("--gap-ms", type=float, default=50)
    args = parser.parse_args()
    if not mariadb_installed():
        print("MariaDB is not installed: apt-get install -y mariadb-server", file=sys.stderr)
        return 2
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        os.environ.setdefault(name, value)

    server = MariaDB.start()
    try:
        with mock_aws():
            client = boto3.client("secretsmanager", region_name="eu-west-1")
            password = new_password()
            server.create_user("bench", password, "appdb")
            arn = client.create_secret(Name="bench/db", SecretString=json.dumps({
                "engine": "mysql", "host": "127.0.0.1", "port": server.port, "username": "bench",
                "password": password, "dbname": "appdb"}))["ARN"]
            credentials = DatabaseCredentials(arn, client)
            naive = NaiveConnector(client, arn)
            driver = RotationDriver(client, arn)
            started = time.perf_counter()
            with LoadRun(lambda: connect(credentials, connect_timeout=5), args.workers) as fallback, \
                    LoadRun(lambda: naive.connect(connect_timeout=5), args.workers) as cached:
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

    print(f"{args.rotations} rotations, {args.workers} workers per connector, "
          f"window {args.window_ms:g} ms, {elapsed:.1f} s (MariaDB on 127.0.0.1, moto)")
    print(f"{'connector':<26}{'queries':>9}{'failures':>10}{'p50 connect':>14}{'p99 connect':>14}")
    for label, run in (("connect() with fallback", fallback), ("naive cached AWSCURRENT", cached)):
        times_ms = [seconds * 1000 for seconds in run.connect_seconds]
        print(f"{label:<26}{run.queries:>9}{len(run.failures):>10}"
              f"{percentile(times_ms, 0.5):>11.1f} ms{percentile(times_ms, 0.99):>11.1f} ms")
    kinds = sorted({failure.split(":")[0] + ":" + failure.split(":")[1][:5] for failure in cached.failures})
    print(f"naive failures: {', '.join(kinds) or 'none'}; "
          f"connect() Secrets Manager reads: {credentials.fetches} "
          f"(mean connect {statistics.fmean(fallback.connect_seconds) * 1000:.1f} ms)")
    return 0 if not fallback.failures else 1


if __name__ == "__main__":
    sys.exit(main())
