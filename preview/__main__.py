"""python -m preview [STACK] | --state FILE | --project DIR [STACK]  [--pack DIR]... [--pack-config FILE]...
                 [--format text|json|sarif|junit] [--graph FILE.dot] [--grpc]

Exit status: 0 no mandatory violation; 1 at least one, and nothing else; 2 anything that stops
the preview (bad usage, unknown stack, an unreadable or malformed file, bad stack settings, an
output path that cannot be written), with one line per problem on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cli.command_line import ArgumentParser, one_line, report
from preview import pack_worker
from preview.formats import FORMATS, render
from preview.report import Preview, render_dot

PROJECT_DIR = Path(__file__).resolve().parent.parent
COMMAND = "preview"  # the prefix of every error line
EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
EXIT_REPORT_UNREAD = 120  # the reader closed stdout (`| head -c0`): what CPython exits with when stdout fails


class UsageError(Exception):
    """Something the user must fix before a preview can run."""


def main(argv: Sequence[str] | None = None, *, fork_packs: bool = False) -> int:
    """``fork_packs``: judge in a child forked now (preview.pack_worker); only for a process of its own."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.state and args.stack:
        parser.error(f"give a stack ({args.stack}) or --state FILE, not both")
    if args.state and args.project:
        parser.error("give --project DIR or --state FILE, not both")
    args.stack = args.stack or "dev"
    worker = pack_worker.start() if fork_packs else None
    try:
        _check_output_path(args.graph)
        preview = _preview(args, worker)
        if args.graph:
            _write(args.graph, render_dot(preview.records))
    except UsageError as error:
        for line in str(error).splitlines():
            report(COMMAND, line)
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - a crash must not look like a policy verdict (exit 1)
        report(COMMAND, f"{_input_name(args)}: unexpected {type(error).__name__}: {one_line(error)}")
        return EXIT_USAGE
    finally:
        if worker is not None:
            worker.close()
    try:
        print(render(preview, args.format), flush=True)
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_REPORT_UNREAD
    return EXIT_OK if preview.summary()["passed"] else EXIT_VIOLATIONS


def _discard_stdout() -> None:
    """What is left in stdout's buffer goes nowhere, so that the exit flush raises no second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="python -m preview", command=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", nargs="?", help="stack to preview (default: dev)")
    parser.add_argument(
        "--state",
        type=Path,
        help="audit a `pulumi stack export`, a backend checkpoint or a `pulumi preview --json` file",
    )
    parser.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="preview the Python Pulumi program in DIR (its Pulumi.yaml and Pulumi.<stack>.yaml)",
    )
    parser.add_argument(
        "--pack",
        type=Path,
        action="append",
        metavar="DIR",
        help="a CrossGuard pack (Python or Node), repeatable; default: policies/",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--graph", type=Path, metavar="FILE.dot", help="write the resource graph for Graphviz")
    parser.add_argument("--grpc", action="store_true", help="run the pack in a real analyzer subprocess")
    parser.add_argument(
        "--pack-config",
        type=Path,
        action="append",
        default=[],
        help="a --policy-pack-config JSON file, repeatable: the i-th goes with the i-th --pack",
    )
    return parser


def _input_name(args: argparse.Namespace) -> str:
    return str(args.state or args.project or f"stack {args.stack}")


def _check_output_path(path: Path | None) -> None:
    """Before any work: the path names a file that can be created or overwritten."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; --graph needs a file name such as stack.dot")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{path}: cannot be written: {parent} is not an existing directory")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{path}: cannot be written (permission denied)")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as error:
        raise UsageError(f"{path}: cannot be written ({error.strerror or type(error).__name__})") from None


def _preview(args: argparse.Namespace, worker: pack_worker.PackWorker | None = None) -> Preview:
    from preview import gate
    from preview.analysis import PolicyConfigError
    from preview.pack_config import PROJECT_PACK_CONFIG
    from preview.packs import all_violations, judge

    default_config = None if args.state or args.project else _read_pack_config(PROJECT_PACK_CONFIG)
    try:
        packs = gate.pack_dirs(args.pack)
        configs = gate.pair_configs(packs, [_read_pack_config(path) for path in args.pack_config], default_config)
        partial, program = False, args.state or PROJECT_DIR / "__main__.py"
        if args.state:
            records, outputs, source, notes, partial = _read_state(args.state)
        elif args.project:
            records, outputs, source, notes, program = gate.project_input(args.project, args.stack)
        else:
            if worker is not None:
                worker.prepare(packs, configs, use_grpc=args.grpc, partial_input=False)
            records, outputs, source, notes = _run_stack(args.stack, worker.offer if worker else None)
        runs = (worker.judge if worker else judge)(records, packs, configs, use_grpc=args.grpc, partial_input=partial)
    except (gate.PackError, gate.ProjectError) as error:
        raise UsageError(str(error)) from None
    except PolicyConfigError as error:
        raise UsageError(f"{' '.join(map(str, args.pack_config)) or 'pack config'}: bad pack config: {error}") from None
    return Preview(source, records, all_violations(runs), outputs, notes, partial, runs, str(program))


def _read_state(path: Path):
    from preview.state_files import StateFileError, read_state

    try:
        state = read_state(path)
    except StateFileError as error:
        raise UsageError(str(error)) from None
    notes = []
    if state.reads:
        notes.append(
            f"{len(state.reads)} resource(s) the stack only reads (external, or `read` steps) were "
            f"not judged: {', '.join(state.reads)}"
        )
    if state.partial:
        notes.append(
            f"partial input: a `pulumi preview --json` without --show-sames leaves out "
            f"{state.unchanged_missing} unchanged resource(s); stack policies draw no conclusion from "
            "an absent resource (secret-rotation-enabled, protected-role-trusts-only-tvm, "
            "tvm-role-assume-scope skip those checks), and rollout-cleanup-complete cannot confirm "
            "that nothing is left behind. Run `pulumi preview --json --show-sames` for a full audit"
        )
    return state.records, {}, f"{path} ({state.kind})", notes, state.partial


def _run_stack(stack: str, observer: Callable[[dict], None] | None = None):
    from components.settings import StackConfigError
    from preview.recorder import run_program
    from preview.secure_values import fit_placeholders
    from preview.stack_files import StackFileError, read_stack_settings

    try:
        settings = fit_placeholders(read_stack_settings(PROJECT_DIR, stack))
        run = run_program(
            PROJECT_DIR, settings.project, stack, settings.config, settings.secure_keys, observer=observer
        )
    except StackFileError as error:
        raise UsageError(str(error)) from None
    except StackConfigError as error:
        raise UsageError("\n".join(f"Pulumi.{stack}.yaml: {problem}" for problem in error.problems)) from None
    notes = [f"{key} holds a secure value; the preview used a placeholder" for key in settings.secure_keys]
    return run.records, run.outputs, f"stack {stack}", notes


def _read_pack_config(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read pack config ({error.strerror or type(error).__name__})") from None
    except (ValueError, RecursionError) as error:
        raise UsageError(f"{path}: pack config is not JSON ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}: pack config must be a JSON object of policy names")
    return document


if __name__ == "__main__":
    from preview import fast_process

    fast_process.start()
    fast_process.finish(main(fork_packs=fast_process.enabled()))
