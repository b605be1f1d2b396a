"""Benchmark the policy pack: resources per second on the outside corpus and on synthetic stacks, in-process
and over gRPC, plus the import cost of the pack's IAM data.

    python bench/policies.py                 # outside corpus; 100, 1,000 and 10,000 resources; IAM data
    python bench/policies.py --sizes 100 1000 --iam-runs 0

The outside corpus (tests/policies/corpus/outside/) is run case by case, as a user runs the pack on each
stack: one Configure, Analyze per resource and AnalyzeStack per case, so the figure includes the per-run
cost; the analyzer is started once per transport and its start is not counted.
A synthetic stack repeats the corpus's clean platform (every resource type the pack inspects: IAM roles
and policies linted by parliament, the TVM, secrets and rotations, keys, tables, queues, APIs, stages,
functions, permissions, URLs) with unique URNs, so every policy runs on real shapes. The time covers what
the engine's conversation costs: GetAnalyzerInfo, Configure, one Analyze per resource, one AnalyzeStack.
gRPC includes starting the analyzer subprocess (shown separately). The IAM data figures come from
bench/iam_data.py. Prints figures; asserts nothing; never part of `make test`.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preview.analysis import _run_pack, analyze  # noqa: E402
from preview.state_files import read_state_file  # noqa: E402
from preview.transports import DEFAULT_PACK_DIR, analyzer_in_process, analyzer_subprocess  # noqa: E402

CORPUS = REPO / "tests" / "policies" / "corpus"
CLEAN_STACK = CORPUS / "clean-platform.json"
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
            records.append(
                {
                    **r,
                    "urn": rename[r["urn"]],
                    "dependencies": [rename.get(d, d) for d in r["dependencies"]],
                    "propertyDependencies": {
                        k: [rename.get(d, d) for d in v] for k, v in r["propertyDependencies"].items()
                    },
                }
            )
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


def outside_corpus() -> None:
    """Every case analysed as its own stack (Configure, Analyze per resource, AnalyzeStack), all through one
    analyzer per transport, so that the subprocess start is not counted once per case."""
    cases = [read_state_file(path) for path in sorted((CORPUS / "outside").glob("*.json"))]
    count = sum(len(records) for records in cases)
    print(f"outside corpus: {len(cases)} cases, {count} resources (stack and provider records included)")
    for label, open_analyzer in (("in-process", analyzer_in_process), ("gRPC", analyzer_subprocess)):
        with open_analyzer(DEFAULT_PACK_DIR) as call:
            started = time.perf_counter()
            found = sum(len(_run_pack(call, records, {}, False)) for records in cases)
            seconds = time.perf_counter() - started
        print(
            f"  {label:<10} {seconds:8.3f} s  {count / seconds:8.0f} resources/s  "
            f"(analyzer start excluded)  {found} violations"
        )


def synthetic_stacks(sizes: list[int], startup: float) -> None:
    print(f"synthetic stacks (copies of {CLEAN_STACK.name}):")
    print(
        f"{'resources':>9}  {'in-process s':>12} {'resources/s':>11}  {'gRPC s':>8} {'resources/s':>11} "
        f"{'gRPC minus start, resources/s':>29}  violations"
    )
    for count in sizes:
        records = synthetic_records(count)
        local, found = time_analysis(records, use_grpc=False)
        remote, found_remote = time_analysis(records, use_grpc=True)
        assert found == found_remote, "in-process and gRPC disagree"
        print(
            f"{count:>9,}  {local:>12.3f} {count / local:>11.0f}  {remote:>8.3f} {count / remote:>11.0f} "
            f"{count / max(remote - startup, 1e-9):>29.0f}  {found}"
        )


def iam_data_import_cost(runs: int) -> None:
    """bench/iam_data.py's figures (loaded by path: this file's name shadows the ``policies`` package)."""
    spec = importlib.util.spec_from_file_location("bench_iam_data", Path(__file__).with_name("iam_data.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("IAM data import cost (bench/iam_data.py):")
    module.report(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-outside", action="store_true", help="skip the outside corpus")
    parser.add_argument("--iam-runs", type=int, default=5, help="fresh interpreters per IAM data figure; 0 skips")
    args = parser.parse_args()
    time_analysis(synthetic_records(50), use_grpc=False)  # warm imports and parliament's caches
    startup = startup_seconds()
    print(f"analyzer subprocess start and stop (empty stack): {startup:.2f} s")
    if not args.no_outside:
        outside_corpus()
    if args.sizes:
        synthetic_stacks(args.sizes, startup)
    if args.iam_runs:
        iam_data_import_cost(args.iam_runs)


if __name__ == "__main__":
    main()
