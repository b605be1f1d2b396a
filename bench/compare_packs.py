"""Our pack and Pulumi's AWSGuard side by side, offline, on the same records.

    python bench/compare_packs.py        (or: make compare)

Cases: this repository's three stacks (as `python -m preview STACK` records them) and every file
of the outside corpus (tests/policies/corpus/outside, read as `--state` reads it). AWSGuard
(npm @pulumi/awsguard, pinned in bench/awsguard/package.json) is installed once into a cache
directory and started through the Node path of `--pack`; our pack runs in-process. Prints, per
case, the policies each pack reports, then per pack the time per resource (Analyze and
AnalyzeStack only: each pack is started once, before the clock runs). Needs node and npm.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preview.analysis import run_pack  # noqa: E402
from preview.pack_config import PROJECT_PACK_CONFIG  # noqa: E402
from preview.packs import open_pack, read_pack  # noqa: E402
from preview.stack_command import records_of_a_preview_process  # noqa: E402
from preview.state_files import read_state  # noqa: E402
from preview.transports import DEFAULT_PACK_DIR  # noqa: E402
from tests.support.node_packs import ready_pack  # noqa: E402

STACKS = ("dev", "staging", "prod")
OUTSIDE = REPO / "tests" / "policies" / "corpus" / "outside"
AWSGUARD = REPO / "bench" / "awsguard"


def cases() -> list[tuple[str, list[dict], dict]]:
    """(name, records, our pack config): the stacks with their shipped exemptions, the corpus without."""
    stack_config = json.loads(PROJECT_PACK_CONFIG.read_text())
    found = []
    for stack in STACKS:
        found.append((f"stack {stack}", records_of_a_preview_process(stack, REPO), stack_config))
    for path in sorted(OUTSIDE.glob("*.json")):
        found.append((path.stem, read_state(path).records, {}))
    return found


def judge_all(pack_dir: Path, all_cases, use_config: bool) -> tuple[list[Counter], float, float]:
    """Per case the policies reported (with counts), the start-up time and the judging time."""
    started = time.perf_counter()
    with open_pack(read_pack(pack_dir)) as call:
        ready = time.perf_counter()
        verdicts = [
            Counter(v.policy for v in run_pack(call, records, config if use_config else {}))
            for _, records, config in all_cases
        ]
        done = time.perf_counter()
    return verdicts, ready - started, done - ready


def _cell(verdict: Counter) -> str:
    return ", ".join(f"{name}" + (f" ×{n}" if n > 1 else "") for name, n in sorted(verdict.items())) or "—"


def main() -> int:
    all_cases = cases()
    awsguard_dir = ready_pack(AWSGUARD)
    ours, ours_start, ours_time = judge_all(DEFAULT_PACK_DIR, all_cases, use_config=True)
    theirs, theirs_start, theirs_time = judge_all(awsguard_dir, all_cases, use_config=False)
    resources = sum(len(records) for _, records, _ in all_cases)
    versions = json.loads((awsguard_dir / "node_modules" / "@pulumi" / "awsguard" / "package.json").read_text())
    print(
        f"Compared on {date.today().isoformat()}: iam-platform-guardrails "
        f"{read_pack(DEFAULT_PACK_DIR).version} (in-process) and @pulumi/awsguard {versions['version']} "
        f"(node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
        f"run-policy-pack); {len(all_cases)} cases, {resources} resources.\n"
    )
    print("| case | resources | iam-platform-guardrails | awsguard |")
    print("| --- | ---: | --- | --- |")
    for (name, records, _), mine, guard in zip(all_cases, ours, theirs, strict=True):
        print(f"| {name} | {len(records)} | {_cell(mine)} | {_cell(guard)} |")
    flagged_ours = sum(1 for verdict in ours if verdict)
    flagged_theirs = sum(1 for verdict in theirs if verdict)
    print(f"\ncases with a finding: ours {flagged_ours}, awsguard {flagged_theirs}, of {len(all_cases)}\n")
    print("| pack | start-up | judging | per resource |")
    print("| --- | ---: | ---: | ---: |")
    for label, start, spent in (
        ("iam-platform-guardrails", ours_start, ours_time),
        ("awsguard", theirs_start, theirs_time),
    ):
        print(f"| {label} | {start * 1000:.0f} ms | {spent * 1000:.0f} ms | {spent / resources * 1e6:.0f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
