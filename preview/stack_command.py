"""The shared shell of the per-stack commands (``python -m preview.cost``, ``preview.deployer_policy``):
run each named stack's program offline and hand its records to the command, with the preview's
one-line errors and exit codes (0 done, 2 anything that stops the command)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cli.command_line import ArgumentParser, one_line, report

EXIT_OK, EXIT_USAGE = 0, 2
Records = list[dict[str, Any]]
PROJECT_DIR = Path(__file__).resolve().parent.parent


def stack_records(stack: str) -> Records:
    """The records of one stack's program, run under the preview's mocks."""
    from preview.__main__ import _run_stack

    records, _outputs, _source, _notes = _run_stack(stack)
    return records


def records_of_a_preview_process(stack: str, project_dir: Path = PROJECT_DIR) -> Records:
    """The records ``python -m preview STACK --format json`` prints, run in ``project_dir`` (so another
    checkout runs its own preview); RuntimeError on anything but exit 0 or 1."""
    done = subprocess.run(
        [sys.executable, "-m", "preview", stack, "--format", "json"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"python -m preview {stack} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)["resources"]


def parser(prog: str, command: str, description: str) -> argparse.ArgumentParser:
    result = ArgumentParser(prog=prog, command=command, description=description)
    result.add_argument("stacks", nargs="+", metavar="STACK", help="stacks to read (dev, staging, prod, ...)")
    return result


def run(
    command: str, args: argparse.Namespace, produce: Callable[[dict[str, Records], argparse.Namespace], str]
) -> int:
    """Records of every stack in ``args.stacks`` → ``produce`` → stdout; usage problems → one line, exit 2."""
    from preview.__main__ import UsageError

    try:
        records = {stack: stack_records(stack) for stack in dict.fromkeys(args.stacks)}
        text = produce(records, args)
    except UsageError as error:
        for line in str(error).splitlines():
            report(command, line)
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        report(command, f"unexpected {type(error).__name__}: {one_line(error)}")
        return EXIT_USAGE
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def main_of(
    argv: Sequence[str] | None,
    command_parser: argparse.ArgumentParser,
    command: str,
    produce: Callable[[dict[str, Records], argparse.Namespace], str],
) -> int:
    return run(command, command_parser.parse_args(argv), produce)
