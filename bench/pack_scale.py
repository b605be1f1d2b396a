"""The pack at scale, in-process: resources per second at 10,000 resources (goal: at least 5,000/s).

    python bench/pack_scale.py                  # 1,000 and 10,000 resources, then a profile summary
    python bench/pack_scale.py --sizes 10000 --no-profile

The stacks are bench/policies.py's synthetic stacks (the clean platform repeated under unique URNs);
the time covers GetAnalyzerInfo, Configure, one Analyze per resource and one AnalyzeStack, after one
warm-up run (imports, IAM data). The profile summary shows where the time goes, by function (cumulative).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.policies import synthetic_records
from preview.analysis import analyze

GOAL = 5_000


def rate(count: int) -> tuple[float, int]:
    records = synthetic_records(count)
    started = time.perf_counter()
    found = len(analyze(records))
    return count / (time.perf_counter() - started), found


def profile_summary(count: int, lines: int = 25) -> str:
    records = synthetic_records(count)
    profile = cProfile.Profile()
    profile.runcall(analyze, records)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(lines)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    analyze(synthetic_records(50))  # warm imports and the IAM data
    print(f"{'resources':>9}  {'resources/s':>11}  {'µs/resource':>11}  violations   goal >= {GOAL:,}/s")
    for count in args.sizes:
        per_second, found = rate(count)
        print(f"{count:>9,}  {per_second:>11,.0f}  {1e6 / per_second:>11.0f}  {found:>10}")
    if not args.no_profile:
        print(f"\nwhere the time goes at {args.sizes[-1]:,} resources (cProfile, cumulative):")
        print(profile_summary(args.sizes[-1]))


if __name__ == "__main__":
    main()
