"""The wall time of `make test`'s command (the whole suite on every core), and of one process for comparison.

    python bench/test_suite.py [--serial-too]

Prints the test count, the seconds and the machine's load average at the start, since a busy machine
moves the figure more than any change does.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARALLEL = ["-n", "auto", "--dist", "loadscope"]  # as the Makefile's test target


def timed_run(extra: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", *extra], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = re.findall(r"^=*\s*(\d+ passed.*?) in [\d.]+s", done.stdout, re.MULTILINE)
    return seconds, summary[-1] if summary else f"exit {done.returncode}: no summary line"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serial-too", action="store_true", help="also time one process (-n0)")
    args = parser.parse_args()
    print(f"test suite, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    runs = [("parallel (make test)", PARALLEL)] + ([("one process (-n0)", ["-n0"])] if args.serial_too else [])
    for label, extra in runs:
        seconds, summary = timed_run(extra)
        print(f"  {label:<22} {seconds:7.1f} s   {summary}")


if __name__ == "__main__":
    main()
