"""Running the preview CLI in-process, as its tests do."""

from __future__ import annotations

import preview.__main__ as cli


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``python -m preview ARGV``: its exit status, stdout and stderr."""
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err
