"""python -m preview [STACK] | --state FILE  [--format text|json] [--graph FILE.dot] [--grpc]

Exit status: 0 no mandatory violation; 1 at least one; 2 bad usage, unknown stack,
unreadable file or bad stack settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from preview.report import Preview, render_dot, render_json, render_text

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Something the user must fix before a preview can run."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        preview = _preview(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.graph:
        args.graph.write_text(render_dot(preview.records))
    print(render_json(preview) if args.format == "json" else render_text(preview))
    return EXIT_OK if preview.summary()["passed"] else EXIT_VIOLATIONS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack to preview (default: dev)")
    parser.add_argument("--state", type=Path, help="audit a `pulumi stack export` or `pulumi preview --json` file")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--graph", type=Path, metavar="FILE.dot", help="write the resource graph for Graphviz")
    parser.add_argument("--grpc", action="store_true", help="run the pack in a real analyzer subprocess")
    parser.add_argument("--pack-config", type=Path, help="a --policy-pack-config JSON file")
    return parser


def _preview(args: argparse.Namespace) -> Preview:
    from preview.analysis import PolicyConfigError, analyze

    from preview.pack_config import PROJECT_PACK_CONFIG
    pack_config = _read_pack_config(args.pack_config or (None if args.state else PROJECT_PACK_CONFIG))
    if args.state:
        from preview.state_files import StateFileError, read_state_file
        try:
            records, outputs, source, notes = read_state_file(args.state), {}, str(args.state), []
        except StateFileError as error:
            raise UsageError(str(error)) from None
    else:
        records, outputs, source, notes = _run_stack(args.stack)
    try:
        violations = analyze(records, pack_config, use_grpc=args.grpc)
    except PolicyConfigError as error:
        raise UsageError(f"bad pack config: {error}") from None
    return Preview(source, records, violations, outputs, notes)


def _run_stack(stack: str):
    from components.config import StackConfigError
    from preview.recorder import run_program
    from preview.stack_files import StackFileError, read_stack_settings

    try:
        settings = read_stack_settings(PROJECT_DIR, stack)
        run = run_program(PROJECT_DIR, settings.project, stack, settings.config, settings.secure_keys)
    except StackFileError as error:
        raise UsageError(str(error)) from None
    except StackConfigError as error:
        raise UsageError(f"Pulumi.{stack}.yaml has bad settings:\n" + "\n".join(error.problems)) from None
    notes = [f"{key} holds a secure value; the preview used a placeholder" for key in settings.secure_keys]
    return run.records, run.outputs, f"stack {stack}", notes


def _read_pack_config(path: Optional[Path]) -> Optional[dict]:
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: cannot read pack config ({error.__class__.__name__})") from None


if __name__ == "__main__":
    sys.exit(main())
