"""Benchmark the layers' hot path. Prints figures; asserts nothing.

    python bench/layers.py [--requests 2000] [--keys 100000]

1. Cost of SigV4 signing per request (botocore, fresh frozen credentials each time), in µs.
2. Round trip of the unsigned request against a local server, and of the signed request
   against the local SigV4-verifying gateway (tests/support/sigv4_gateway.py), both on
   127.0.0.1: signing's share of the unsigned round trip is the added latency on the
   caller's side (the source document's budget is 5 %). A real API Gateway round trip is
   tens of milliseconds, so the share there is far smaller than on loopback.
3. Share of conversations routed to the API at 10/50/100 % over ``--keys`` keys.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from botocore.credentials import Credentials  # noqa: E402

from lambdas.common.sigv4 import SigV4Client  # noqa: E402
from lambdas.verification.rollout import conversation_key, routes_to_api  # noqa: E402
from tests.support.constants import REGION  # noqa: E402
from tests.support.local_http import json_answer, serve  # noqa: E402
from tests.support.sigv4_gateway import EXECUTE_API, Identity, SigV4Gateway  # noqa: E402

PAYLOAD = {
    "channel": "C0123ABCD",
    "text": "What is SigV4?" * 4,
    "thread_ts": "1700000000.000100",
    "event_id": "Ev0123ABCDEF",
}
ROLE = "arn:aws:sts::123456789012:assumed-role/verification/fn"


class Session:
    def __init__(self) -> None:
        self.credentials = Credentials("ASIABENCH", "bench-secret", "bench-token")

    def get_credentials(self):
        return self.credentials


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def time_calls(call, count: int) -> list[float]:
    for _ in range(min(50, count)):  # warm up
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=100_000)
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        os.environ.pop(name, None)

    client = SigV4Client(REGION, session=Session())
    body = json.dumps(PAYLOAD, separators=(",", ":")).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    gateway = SigV4Gateway(
        lambda event, context: None,
        {"ASIABENCH": Identity("bench-secret", ROLE, "bench-token")},
        integration=EXECUTE_API,
        allowed_arn=ROLE,
    )
    plain_app = lambda method, path, headers, data: json_answer(202, {"accepted": True})  # noqa: E731

    with gateway, serve(plain_app) as plain_url:
        signed_url, unsigned_url = gateway.url, plain_url + "/prod/execute"
        sign = time_calls(lambda: client.sign("POST", signed_url, body), args.requests)

        def unsigned():
            request = urllib.request.Request(
                unsigned_url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            with opener.open(request, timeout=5) as response:
                response.read()

        def signed():
            status, _, _ = client.request("POST", signed_url, json_body=PAYLOAD, timeout=5)
            assert status == 202, status

        plain = time_calls(unsigned, args.requests)
        full = time_calls(signed, args.requests)

    sign_median, sign_p99 = percentiles(sign)
    plain_median, plain_p99 = percentiles(plain)
    full_median, full_p99 = percentiles(full)
    print(f"SigV4 signing ({args.requests} requests, fresh frozen credentials each)")
    print(f"  sign only                         median {sign_median:8.1f} µs   p99 {sign_p99:8.1f} µs")
    print(f"  unsigned request, local server    median {plain_median:8.1f} µs   p99 {plain_p99:8.1f} µs")
    print(f"  signed request, verifying gateway median {full_median:8.1f} µs   p99 {full_p99:8.1f} µs")
    print(
        f"  signing / unsigned round trip     {sign_median / plain_median * 100:5.1f} % (median, loopback; "
        f"budget 5 % of a real API Gateway round trip)"
    )
    print(f"  at a 20 ms API Gateway round trip  {sign_median / 20_000 * 100:5.2f} %")
    print()
    print(f"Rollout share over {args.keys:,} conversation keys")
    keys = [conversation_key(f"C{n % 9973:07d}", f"17000{n:05d}.{n % 1000:06d}") for n in range(args.keys)]
    for percent in (10, 50, 100):
        started = time.perf_counter()
        routed = sum(routes_to_api(key, percent) for key in keys)
        elapsed = time.perf_counter() - started
        print(
            f"  {percent:3d} %  routed {routed / len(keys) * 100:6.2f} %   "
            f"({elapsed / len(keys) * 1e6:.2f} µs per decision)"
        )


if __name__ == "__main__":
    main()
