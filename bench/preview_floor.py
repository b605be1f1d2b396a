"""The offline preview against Python's import floor, measured in the same run. Prints figures; asserts nothing.

    python bench/preview_floor.py               # floor and `python -m preview STACK --format json`, 5 runs each
    python bench/preview_floor.py --runs 3 --stacks dev
    python bench/preview_floor.py --repo /work/main   # another checkout's preview (same floor)

The floor is what any Python Pulumi program with these resource types pays: a process that imports
pulumi, pulumi_policy and the pulumi_aws modules of every resource type the dev stack records (a class
of each touched: pulumi_aws loads its modules lazily), with the garbage collector off and no
interpreter teardown (``os._exit``). The preview is the whole command, as users run it. Runs alternate
(floor, then each stack) so that a busy machine slows both alike; the figure is the median.

Then, for one stack, where the preview's time goes: each phase timed in one fresh process with the
preview's own process settings (preview/fast_process.py), run one after the other; and the preview as it
really runs, with the pack loading and answering in a forked child (preview/pack_worker.py) meanwhile:
when the program starts and ends, and how long the parent then waits for the child's verdicts. And the SDK
alone: as many trivial resources (SQS queues) as the stack has, registered under the same mocks once every
import is done, which is what any Pulumi program of that size pays beyond the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # before bench/, whose policies.py would shadow the pack

from preview.stack_command import records_of_a_preview_process  # noqa: E402

STACKS = ("dev", "staging", "prod")
GOAL = 1.5

FLOOR = """
import gc, json, os, sys
gc.disable()
import pulumi, pulumi_aws, pulumi_policy
for module, name in json.loads(sys.argv[1]):
    getattr(getattr(pulumi_aws, module) if module else pulumi_aws, name)
os._exit(0)
"""

PHASES = """
import gc, json, os, sys, time
marks = [("start", time.perf_counter())]
def mark(label): marks.append((label, time.perf_counter()))
sys.path.insert(0, os.getcwd())
from preview import fast_process
fast_process.start()
import pulumi, pulumi_aws, pulumi_policy
for module, name in json.loads(sys.argv[2]):
    getattr(getattr(pulumi_aws, module) if module else pulumi_aws, name)
mark("floor: pulumi, pulumi_aws modules, pulumi_policy")
import preview.__main__ as cli, preview.analysis, preview.recorder, policies.pack, components.settings
mark("imports: preview, policies, components")
records, outputs, source, notes = cli._run_stack(sys.argv[1])
mark("program run under mocks (config, registrations)")
from preview.analysis import analyze
from preview.pack_config import PROJECT_PACK_CONFIG
violations = analyze(records, cli._read_pack_config(PROJECT_PACK_CONFIG))
mark("analysis (pack, parliament, IAM data)")
from preview.report import Preview, render_json
text = render_json(Preview(source, records, violations, outputs, notes))
mark("JSON report")
print(json.dumps([[label, round(t - marks[i][1], 4)] for i, (label, t) in enumerate(marks[1:])]))
os._exit(0)
"""


TIMELINE = """
import os, sys, time
started = time.perf_counter()
sys.path.insert(0, os.getcwd())
from preview import fast_process, pack_worker, recorder
fast_process.start()
import preview.__main__ as cli
marks = {}
def marked(label, function):
    def wrapper(*args, **kwargs):
        marks.setdefault(label, time.perf_counter() - started)
        return function(*args, **kwargs)
    return wrapper
recorder.run_program = marked("program starts", recorder.run_program)
judge = pack_worker.PackWorker.judge
def judged(self, *args, **kwargs):
    marks["program ends"] = time.perf_counter() - started
    try:
        return judge(self, *args, **kwargs)
    finally:
        marks["the child's verdicts are in"] = time.perf_counter() - started
pack_worker.PackWorker.judge = judged
with open(os.devnull, "w") as sink:
    sys.stdout = sink
    cli.main([sys.argv[1], "--format", "json"], fork_packs=True)
    sys.stdout = sys.__stdout__
marks["report written"] = time.perf_counter() - started
print(__import__("json").dumps(list(marks.items())))
os._exit(0)
"""


SDK_ALONE = """
import gc, os, sys, tempfile, time
from pathlib import Path
gc.disable()
sys.path.insert(0, os.getcwd())
import pulumi, pulumi_aws
pulumi_aws.sqs.Queue
from preview.recorder import run_program
count = int(sys.argv[1])
with tempfile.TemporaryDirectory() as folder:
    Path(folder, "__main__.py").write_text(
        "import pulumi_aws as aws\\n"
        f"for i in range({count}):\\n"
        "    aws.sqs.Queue(f'q{i}', name=f'q{i}', tags={'a': 'b'}, visibility_timeout_seconds=30)\\n"
    )
    started = time.perf_counter()
    run_program(Path(folder), "sdk-alone", "dev", {"aws:region": "us-east-1"})
    print(time.perf_counter() - started)
os._exit(0)
"""


def aws_classes(types: set[str]) -> list[tuple[str, str]]:
    """``aws:iam/role:Role`` -> ("iam", "Role"); ``pulumi:providers:aws`` -> ("", "Provider")."""
    import pulumi_aws

    found = set()
    for type_ in types:
        package, module, name = type_.split(":")
        if type_ == "pulumi:providers:aws":
            found.add(("", "Provider"))
        elif package == "aws":
            module = module.split("/")[0]
            found.add((module if hasattr(pulumi_aws, module) else f"{module}_", name))
    return sorted(found)


def recorded(repo: Path, stack: str) -> list[dict]:
    try:
        return records_of_a_preview_process(stack, repo)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


def recorded_types(repo: Path, stack: str) -> set[str]:
    return {r["type"] for r in recorded(repo, stack)}


def seconds(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def measure(
    repo: Path, stacks: list[str], runs: int, classes: list[tuple[str, str]], env: dict[str, str]
) -> tuple[list[float], dict[str, list[float]]]:
    floor, previews = [], {stack: [] for stack in stacks}
    for _ in range(runs):
        floor.append(seconds([sys.executable, "-c", FLOOR, json.dumps(classes)], repo))
        for stack in stacks:
            previews[stack].append(seconds([sys.executable, "-m", "preview", stack, "--format", "json"], repo, env))
    return floor, previews


def phases(repo: Path, stack: str, classes: list[tuple[str, str]]) -> list[tuple[str, float]]:
    done = subprocess.run(
        [sys.executable, "-c", PHASES, stack, json.dumps(classes)], cwd=repo, capture_output=True, text=True, check=True
    )
    return [tuple(item) for item in json.loads(done.stdout.strip().splitlines()[-1])]


def timeline(repo: Path, stack: str) -> list[tuple[str, float]]:
    done = subprocess.run([sys.executable, "-c", TIMELINE, stack], cwd=repo, capture_output=True, text=True, check=True)
    return [tuple(item) for item in json.loads(done.stdout.strip().splitlines()[-1])]


def sdk_alone(repo: Path, count: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", SDK_ALONE, str(count)], cwd=repo, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stacks", nargs="+", default=list(STACKS))
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose preview is timed")
    parser.add_argument(
        "--slow-too",
        action="store_true",
        help="also time the preview with PREVIEW_FAST_PROCESS=0 (gc on, normal teardown)",
    )
    args = parser.parse_args()
    classes = aws_classes(recorded_types(args.repo, "dev"))
    print(
        f"floor: pulumi, pulumi_policy and {len(classes)} pulumi_aws classes of the dev stack's resource types; "
        f"median of {args.runs} runs, measured in one run"
    )
    variants = {"preview": {**os.environ}}
    if args.slow_too:
        variants["PREVIEW_FAST_PROCESS=0"] = {**os.environ, "PREVIEW_FAST_PROCESS": "0"}
    print(f"{'':<24} {'stack':<8} {'floor s':>8} {'preview s':>10} {'ratio':>6}  goal <= {GOAL}x")
    for label, env in variants.items():
        floor, previews = measure(args.repo, args.stacks, args.runs, classes, env)
        base = statistics.median(floor)
        for stack, times in previews.items():
            median = statistics.median(times)
            print(f"{label:<24} {stack:<8} {base:>8.3f} {median:>10.3f} {median / base:>5.2f}x")
    if (args.repo / "preview" / "fast_process.py").exists():
        print(f"\nwhere the time goes ({args.stacks[0]}, one process, phases in order):")
        for label, spent in phases(args.repo, args.stacks[0], classes):
            print(f"    {spent:>6.3f} s  {label}")
    count = len(recorded(args.repo, args.stacks[0]))
    spent = statistics.median(sdk_alone(args.repo, count) for _ in range(3))
    print(
        f"\nthe SDK alone: {count} SQS queues (as many resources as {args.stacks[0]}) registered under the same "
        f"mocks, after the imports: {spent:.3f} s ({spent / count * 1000:.2f} ms each)"
    )
    if (args.repo / "preview" / "pack_worker.py").exists():
        print(f"\nthe preview as it runs ({args.stacks[0]}; the pack loads and answers in a forked child meanwhile):")
        for label, at in timeline(args.repo, args.stacks[0]):
            print(f"    at {at:>6.3f} s  {label}")


if __name__ == "__main__":
    main()
