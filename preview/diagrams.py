"""python -m preview.diagrams [--check] [STACK]: each system's picture, drawn from the program's records.

Each docs/<system>.md holds a Mermaid flowchart between the two GENERATED markers, drawn from what
``python -m preview STACK --format json`` records (default stack: dev): one subgraph per component,
one node per resource, one arrow per declared dependency between resources of that system. Without
``--check`` the blocks are rewritten in place; with it, the command exits 1 when a block differs from
the program (so a stale picture fails ``make test``) and 0 when all match.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.command_line import ArgumentParser, report
from preview.stack_command import records_of_a_preview_process as stack_records

PROJECT_DIR = Path(__file__).resolve().parent.parent
DOCS_DIR = PROJECT_DIR / "docs"
BEGIN, END = "<!-- BEGIN GENERATED: python -m preview.diagrams -->", "<!-- END GENERATED -->"
COMMAND = "preview.diagrams"


@dataclass(frozen=True)
class System:
    name: str  # the docs file: docs/<name>.md
    title: str
    components: tuple[str, ...]  # component types, without the package prefix ("tvm:TokenVendingMachine")


SYSTEMS = (
    System("database", "Rotated Aurora database", ("database:RotatedAuroraSecret", "network:PrivateNetwork")),
    System("layers", "Verification and execution layers", ("layers:VerificationLayer", "layers:ExecutionLayer")),
    System("tvm", "Token vending machine", ("tvm:TokenVendingMachine",)),
    System("jwks", "JWKS endpoint and external workloads", ("jwks:JwksEndpoint", "external:ExternalSecretReader")),
)


def mermaid(records: Sequence[Mapping[str, Any]], system: System) -> str:
    """The system's flowchart: its top-level components' subtrees, dependencies as arrows."""
    by_urn = {r["urn"]: r for r in records}
    children: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        children[record["parent"]].append(record)
    roots = sorted(
        (
            r
            for r in records
            if _component_type(r["type"]) in system.components
            and _component_type(by_urn.get(r["parent"], {}).get("type", "")) not in system.components
        ),
        key=lambda r: r["urn"],
    )
    members = [r for root in roots for r in _subtree(root, children)]
    ids = {r["urn"]: f"n{i}" for i, r in enumerate(sorted(members, key=lambda r: r["urn"]))}
    lines = ["```mermaid", "flowchart LR"]
    for root in roots:
        lines += _subgraph(root, children, ids, "  ")
    for record in sorted(members, key=lambda r: r["urn"]):
        lines += [
            f"  {ids[d]} --> {ids[record['urn']]}"
            for d in sorted(set(record["dependencies"]))
            if d in ids and by_urn[d]["custom"] and record["custom"]
        ]
    return "\n".join(lines + ["```"])


def _component_type(type_token: str) -> str:
    return type_token.split(":", 1)[1] if type_token.count(":") == 2 else ""


def _subtree(root: Mapping[str, Any], children: Mapping[str, list]) -> Iterable[Mapping[str, Any]]:
    yield root
    for child in children.get(root["urn"], ()):
        yield from _subtree(child, children)


def _subgraph(
    component: Mapping[str, Any], children: Mapping[str, list], ids: Mapping[str, str], indent: str
) -> list[str]:
    lines = [f'{indent}subgraph {ids[component["urn"]]}["{_label(component)}"]']
    for child in sorted(children.get(component["urn"], ()), key=lambda r: (not r["custom"], r["urn"])):
        if child["custom"]:
            lines.append(f'{indent}  {ids[child["urn"]]}["{_label(child)}"]')
        else:
            lines += _subgraph(child, children, ids, indent + "  ")
    return lines + [f"{indent}end"]


def _label(record: Mapping[str, Any]) -> str:
    """``aws:lambda/function:Function`` named ``tvm-fn`` → ``tvm-fn<br/>lambda.Function``."""
    package, module, kind = (record["type"].split(":") + ["", ""])[:3]
    service = module.split("/")[0] if package == "aws" else package
    return f"{record['name']}<br/>{service}.{kind}" if record["custom"] else record["name"]


def with_block(document: str, block: str) -> str:
    """``document`` with the text between the markers replaced by ``block`` (markers appended if absent)."""
    if BEGIN not in document:
        return f"{document.rstrip()}\n\n{BEGIN}\n{block}\n{END}\n"
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m preview.diagrams", command=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", nargs="?", default="dev")
    parser.add_argument("--check", action="store_true", help="exit 1 if a picture differs from the program")
    args = parser.parse_args(argv)
    try:
        records = stack_records(args.stack)
    except RuntimeError as error:
        report(COMMAND, error)
        return 2
    stale = []
    for system in SYSTEMS:
        path = DOCS_DIR / f"{system.name}.md"
        current = path.read_text() if path.exists() else f"# {system.title}\n"
        wanted = with_block(current, mermaid(records, system))
        if wanted != current:
            stale.append(path.relative_to(PROJECT_DIR))
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                path.write_text(wanted)
    for path in stale:
        report(COMMAND, f"{path}: {'out of date; run make docs' if args.check else 'picture rewritten'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
