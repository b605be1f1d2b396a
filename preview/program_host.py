"""The child side of ``--project``: ``python -m preview.program_host RESULT.json`` runs one Pulumi
program under the recording mocks in the project's own interpreter.

stdin: ``{project_dir, main, project, stack, config, secret_keys}``; RESULT.json: ``{records, outputs}``.
A failing program exits non-zero with its error as the last line of stderr.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path


def main(result_file: str) -> int:
    request = json.load(sys.stdin)
    sys.path.insert(0, str(Path(request["main"]).parent))  # as Python runs a script: its own directory first
    try:
        from preview.recorder import run_program

        run = run_program(
            Path(request["project_dir"]),
            request["project"],
            request["stack"],
            request["config"],
            request["secret_keys"],
            main=Path(request["main"]),
        )
    except ModuleNotFoundError as error:
        print(
            f"{sys.executable} cannot import {error.name}: install the program's requirements "
            f"(with pulumi) into that interpreter",
            file=sys.stderr,
        )
        return 1
    except Exception as error:  # noqa: BLE001 - the program's own failure, reported on one line
        traceback.print_exc()
        print(f"the program failed: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    Path(result_file).write_text(json.dumps({"records": run.records, "outputs": run.outputs}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
