"""Benchmark the policy pack: analysis time for synthetic stacks, in-process and over gRPC.

    python bench/policies.py                 # 100, 1,000 and 10,000 resources, both transports
    python bench/policies.py --sizes 100 1000

A synthetic stack repeats the corpus's clean platform (every resource type the pack inspects:
IAM roles and policies linted by parliament, the TVM, secrets and rotations, keys, tables,
APIs, stages, functions, permissions, URLs) with unique URNs, so every policy runs on real
shapes. The time covers what the engine's conversation costs: GetAnalyzerInfo, Configure, one
Analyze per resource, one AnalyzeStack. gRPC includes starting the analyzer subprocess (shown
separately). Prints figures; asserts nothing; never part of `make test`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preview.analysis import analyze  # noqa: E402
from preview.state_files import read_state_file  # noqa: E402

CLEAN_STACK = REPO / "tests" / "policies" / "corpus" / "clean-platform.json"
SIZES = (100, 1_000, 10_000)


def synthetic_records(count: int) -> list[dict]:
    """``count`` resources: the clean platform's resources repeated, each copy under its own URN."""
    base = read_state_file(CLEAN_STACK)
    shared = [r for r in base if r["type"] in ("pulumi:pulumi:Stack", "pulumi:providers:aws")]
    repeated = [r for r in base if r not in shared]
    records = list(shared)
    copy = 0
    while len(records) < count:
        # A unique parent type in the URN keeps logical (and so auto-generated) names intact.
        rename = {r["urn"]: r["urn"].replace("::aws:", f"::iam-platform:bench:Copy{copy}$aws:", 1) for r in repeated}
        for r in repeated:
            if len(records) == count:
                break
            records.append({
                **r, "urn": rename[r["urn"]],
                "dependencies": [rename.get(d, d) for d in r["dependencies"]],
                "propertyDependencies": {k: [rename.get(d, d) for d in v] for k, v in r["propertyDependencies"].items()},
            })
        copy += 1
    return records


def time_analysis(records: list[dict], use_grpc: bool) -> tuple[float, int]:
    started = time.perf_counter()
    violations = analyze(records, use_grpc=use_grpc)
    return time.perf_counter() - started, len(violations)


def startup_seconds() -> float:
    """Starting and stopping the analyzer subprocess with an empty stack."""
    started = time.perf_counter()
    analyze([], use_grpc=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    time_analysis(synthetic_records(50), use_grpc=False)  # warm imports and parliament's caches
    startup = startup_seconds()
    print(f"analyzer subprocess start and stop (empty stack): {startup:.2f} s")
    print(f"{'resources':>9}  {'in-process s':>12} {'µs/resource':>11}  {'gRPC s':>8} {'µs/resource':>11} "
          f"{'gRPC minus start, µs/resource':>29}  violations")
    for count in args.sizes:
        records = synthetic_records(count)
        local, found = time_analysis(records, use_grpc=False)
        remote, found_remote = time_analysis(records, use_grpc=True)
        assert found == found_remote
        print(f"{count:>9,}  {local:>12.3f} {local / count * 1e6:>11.0f}  {remote:>8.3f} {remote / count * 1e6:>11.0f} "
              f"{max(remote - startup, 0) / count * 1e6:>29.0f}  {found}")


if __name__ == "__main__":
    main()
