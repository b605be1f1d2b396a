"""One error style for every command: ``<command>: <problem>``, one line on stderr.

Bad usage exits 2 like argparse does, but with one line instead of the usage block
(``--help`` still prints the usage).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import NoReturn, TextIO

EXIT_USAGE = 2


def one_line(problem: object) -> str:
    """A problem's text on one line (exception messages may carry newlines)."""
    return " ".join(str(problem).split())


def report(command: str, problem: object, stream: TextIO | None = None) -> None:
    print(f"{command}: {one_line(problem)}", file=stream or sys.stderr)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line usage errors: ``<command>: <problem> (see --help)``, exit 2."""

    def __init__(self, *args, command: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.command = command

    def error(self, message: str) -> NoReturn:
        report(self.command, f"{message} (see --help)")
        sys.exit(EXIT_USAGE)

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", lambda **kw: ArgumentParser(command=self.command, **kw))
        return super().add_subparsers(**kwargs)


def positive_seconds(text: str) -> float:
    """An argparse ``type``: a finite number of seconds above 0 (``-5``, ``0``, ``nan``, ``inf`` refused)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value
