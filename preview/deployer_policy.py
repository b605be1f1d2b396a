"""python -m preview.deployer_policy STACK [STACK ...] [--write] [--format json|markdown]

An IAM policy document for the identity that runs ``pulumi up`` and ``pulumi destroy`` on a
stack, generated from the resource types in the stack's own records (``preview/deployer_actions/``
maps each type to its actions), with resources scoped to the names the stack gives them where the
service allows. ``--write`` writes docs/deployer-policy-<stack>.json. Exit 0, or 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from preview.deployer_actions import FAMILIES, NO_AWS_CALLS, PROGRAM_READS, Family
from preview.stack_command import Records, main_of, parser

COMMAND = "preview.deployer_policy"
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
_FIELD = string.Formatter()


class UnmappedTypes(Exception):
    """Resource types no family covers: the document would be short of permissions."""


def policy_document(records: Records, region: str, project: str, stack: str) -> dict[str, Any]:
    types = {r["type"] for r in records if r["custom"]}
    unmapped = sorted(types - NO_AWS_CALLS - {t for family in FAMILIES for t in family.types})
    if unmapped:
        raise UnmappedTypes(f"no deployer actions for {', '.join(unmapped)} (add them to preview/deployer_actions/)")
    statements = [{"Sid": "ProgramReads", "Effect": "Allow", "Action": list(PROGRAM_READS), "Resource": "*"}]
    for family in FAMILIES:
        if family.types & types:
            statements += _statements(family, records, {"region": region, "project": project, "stack": stack})
    return {"Version": "2012-10-17", "Statement": statements}


def _statements(family: Family, records: Records, place: dict[str, str]) -> list[dict[str, Any]]:
    resources = {_fill(template, place) for template in family.extra_resources}
    by_urn = {r["urn"]: r for r in records}
    for type_, template in family.arns:
        resources |= {
            _fill(template, {**place, **_fields(record, by_urn)}) for record in records if record["type"] == type_
        }
    out = []
    if resources:
        out.append(
            {"Sid": family.sid, "Effect": "Allow", "Action": sorted(family.actions), "Resource": sorted(resources)}
        )
    else:
        out.append({"Sid": family.sid, "Effect": "Allow", "Action": sorted(family.actions), "Resource": "*"})
    if family.unscoped:
        out.append(
            {"Sid": f"{family.sid}Unscoped", "Effect": "Allow", "Action": sorted(family.unscoped), "Resource": "*"}
        )
    return out


def _fields(record: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> dict[str, str]:
    """What a template may name: the resource's name pattern and its string inputs (and SAR parameters).

    An explicit name is used as it is. An auto-name is ``<logical name>-<random>``, and every logical
    name starts with its top-level component's (``jwks-fn-role`` in ``jwks``): ``jwks-*`` covers them
    all and keeps the document within IAM's size limit."""
    inputs = record["inputs"]
    values = {k: v for k, v in {**(inputs.get("parameters") or {}), **inputs}.items() if isinstance(v, str)}
    explicit = (
        inputs.get("identifier")
        if record["type"] == "aws:rds/clusterInstance:ClusterInstance"
        else inputs.get("name") or inputs.get("clusterIdentifier")
    )
    values["name"] = explicit or f"{top_component(record, by_urn)['name']}-*"
    if "url" in inputs:
        values["providerPath"] = re.sub(r"^https://", "", inputs["url"])
    return values


def _fill(template: str, fields: dict[str, str]) -> str:
    names = {name for _, name, _, _ in _FIELD.parse(template) if name}
    missing = sorted(names - fields.keys())
    if missing:
        raise UnmappedTypes(f"template {template!r} needs {', '.join(missing)}, which the record does not give")
    return template.format(**fields)


def top_component(record: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The resource's ancestor just below the stack (itself when it has none)."""
    top = record
    while top.get("parent") in by_urn and by_urn[top["parent"]]["type"] != "pulumi:pulumi:Stack":
        top = by_urn[top["parent"]]
    return top


def system_of(record: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> str:
    """The system a resource belongs to (``jwks``, ``tvm``, ...: its top component's type), or ``program``."""
    top = top_component(record, by_urn)
    return top["type"].split(":")[1] if not top["custom"] else "program"


def systems_table(records_by_stack: dict[str, Records]) -> str:
    """Markdown: per system, the statements (Sids) its resources need."""
    needs: dict[str, set[str]] = {}
    for records in records_by_stack.values():
        by_urn = {r["urn"]: r for r in records}
        for record in (r for r in records if r["custom"] and r["type"] not in NO_AWS_CALLS):
            sids = {f.sid for f in FAMILIES if record["type"] in f.types}
            needs.setdefault(system_of(record, by_urn), set()).update(sids)
    rows = ["| system (component) | statements it needs |", "|---|---|"]
    rows += [f"| {system} | {', '.join(sorted(sids))} |" for system, sids in sorted(needs.items())]
    return "\n".join(rows) + "\n"


def document_for(stack: str, records: Records) -> dict[str, Any]:
    from preview.__main__ import PROJECT_DIR
    from preview.stack_files import read_stack_settings

    settings = read_stack_settings(PROJECT_DIR, stack)
    region = settings.config.get("aws:region", "us-east-1")
    return policy_document(records, region, settings.project, stack)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def _produce(records: dict[str, Records], args: argparse.Namespace) -> str:
    from preview.__main__ import UsageError

    if args.format == "markdown":
        return systems_table(records)
    try:
        documents = {stack: render(document_for(stack, recs)) for stack, recs in records.items()}
    except UnmappedTypes as error:
        raise UsageError(str(error)) from None
    if args.write:
        for stack, text in documents.items():
            _write(DOCS_DIR / f"deployer-policy-{stack}.json", text, UsageError)
        return "".join(f"wrote docs/deployer-policy-{stack}.json\n" for stack in documents)
    return "".join(documents.values())


def _write(path: Path, text: str, error_type: type[Exception]) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    except OSError as error:
        raise error_type(f"{path}: cannot be written ({error.strerror or type(error).__name__})") from None


def main(argv: Sequence[str] | None = None) -> int:
    command_parser = parser("python -m preview.deployer_policy", COMMAND, " ".join(__doc__.split("\n\n")[1].split()))
    command_parser.add_argument(
        "--format",
        choices=("json", "markdown"),
        default="json",
        help="json: the policy documents; markdown: the statements each system needs",
    )
    command_parser.add_argument("--write", action="store_true", help="write docs/deployer-policy-<stack>.json")
    return main_of(argv, command_parser, COMMAND, _produce)


if __name__ == "__main__":
    sys.exit(main())
