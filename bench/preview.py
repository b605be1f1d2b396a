"""Benchmark the offline preview. Prints figures; asserts nothing.

python bench/preview.py            # every stack (each in a fresh interpreter), then synthetic stacks
python bench/preview.py --one dev  # one stack, as JSON (used by the above)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STACKS = ("dev", "staging", "prod")
SYNTHETIC_SIZES = (1_000, 10_000)


def time_one_stack(stack: str) -> dict[str, float]:
    """Import, program run and analysis of one stack, in this (fresh) interpreter."""
    started = time.perf_counter()
    import pulumi_aws  # noqa: F401 - part of what a preview pays for

    from preview.analysis import analyze
    from preview.recorder import run_program
    from preview.stack_files import read_stack_settings

    imported = time.perf_counter()
    settings = read_stack_settings(REPO, stack)
    run = run_program(REPO, settings.project, stack, settings.config, settings.secure_keys)
    ran = time.perf_counter()
    violations = analyze(run.records)
    analysed = time.perf_counter()
    return {
        "import_s": imported - started,
        "program_s": ran - imported,
        "analysis_s": analysed - ran,
        "total_s": analysed - started,
        "resources": len(run.records),
        "violations": len(violations),
    }


def synthetic_records(count: int) -> list[dict]:
    """A stack of ``count`` resources cycling through the types the pack inspects."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
            ],
        }
    )
    shapes = [
        ("aws:iam/role:Role", {"assumeRolePolicy": trust}),
        ("aws:apigatewayv2/route:Route", {"routeKey": "GET /items", "authorizationType": "AWS_IAM"}),
        (
            "aws:lambda/permission:Permission",
            {
                "principal": "apigateway.amazonaws.com",
                "sourceArn": "arn:aws:execute-api:eu-west-1:123456789012:a/*/GET/items",
                "action": "lambda:InvokeFunction",
                "function": "f",
            },
        ),
        ("aws:apigateway/method:Method", {"httpMethod": "POST", "authorization": "AWS_IAM"}),
        ("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 14}),
    ]
    stack_urn = "urn:pulumi:bench::iam-platform::pulumi:pulumi:Stack::iam-platform-bench"
    records = []
    for i in range(count):
        type_, inputs = shapes[i % len(shapes)]
        records.append(
            {
                "type": type_,
                "urn": f"urn:pulumi:bench::iam-platform::{type_}::r{i}",
                "name": f"r{i}",
                "custom": True,
                "id": f"id{i}",
                "inputs": inputs,
                "outputs": inputs,
                "parent": stack_urn,
                "dependencies": [],
                "propertyDependencies": {},
                "provider": "",
                "protect": False,
            }
        )
    return records


def time_synthetic(count: int) -> float:
    from preview.analysis import analyze

    records = synthetic_records(count)
    started = time.perf_counter()
    analyze(records)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", help="time one stack and print JSON")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(time_one_stack(args.one)))
        return
    print(f"{'stack':<8} {'resources':>9} {'import s':>9} {'program s':>10} {'analysis s':>11} {'total s':>8}")
    for stack in STACKS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", stack], capture_output=True, text=True, check=True, cwd=REPO
        ).stdout
        f = json.loads(out.strip().splitlines()[-1])
        print(
            f"{stack:<8} {f['resources']:>9} {f['import_s']:>9.3f} {f['program_s']:>10.3f} "
            f"{f['analysis_s']:>11.3f} {f['total_s']:>8.3f}"
        )
    print()
    for count in SYNTHETIC_SIZES:
        seconds = time_synthetic(count)
        print(
            f"synthetic stack of {count:>6} resources: analysis {seconds:.3f} s "
            f"({seconds / count * 1e6:.0f} µs per resource)"
        )


if __name__ == "__main__":
    main()
