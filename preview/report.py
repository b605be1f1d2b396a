"""Render a preview: a `pulumi preview`-like tree, the policy report, JSON, or a Graphviz graph."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preview:
    """What one preview found: the resources, the stack outputs and the pack's verdicts."""

    source: str
    records: Sequence[dict[str, Any]]
    violations: Sequence[Any]  # preview.analysis.Violation
    outputs: dict[str, Any] = field(default_factory=dict)
    notes: Sequence[str] = ()
    partial: bool = False  # the input lacks some of the stack's resources
    packs: Sequence[Any] = ()  # preview.packs.PackRun, one per pack that judged
    program: str = ""  # the file the resources come from (SARIF's physical location)

    def count(self, level: str) -> int:
        return sum(1 for v in self.violations if v.level == level)

    def summary(self) -> dict[str, Any]:
        return {
            "resources": len(self.records),
            "mandatory": self.count("mandatory"),
            "advisory": self.count("advisory"),
            "passed": self.count("mandatory") == 0,
            "partial": self.partial,
        }


def render_text(preview: Preview) -> str:
    lines = [f"Previewing {preview.source} (offline: mocked providers, no cloud calls)", ""]
    lines += [f"note: {note}" for note in preview.notes]
    lines += ["     Type                                              Name", *_tree(preview.records), ""]
    lines += ["Resources by type:"] + [
        f"    {n:>3}  {t}" for t, n in sorted(Counter(r["type"] for r in preview.records).items())
    ]
    if preview.outputs:
        lines += ["", "Outputs:"] + [f"    {k}: {json.dumps(v)}" for k, v in sorted(preview.outputs.items())]
    lines += ["", f"Policy report ({', '.join(p.name for p in preview.packs) or 'iam-platform-guardrails'}):"]
    lines += [_violation(v) for v in preview.violations] or ["    no violations"]
    s = preview.summary()
    verdict = ("PASSED" if s["passed"] else "FAILED") + (" (partial input)" if s["partial"] else "")
    lines += [
        "",
        f"{verdict}: {s['resources']} resources, {s['mandatory']} mandatory and {s['advisory']} advisory violations",
    ]
    return "\n".join(lines)


def render_json(preview: Preview) -> str:
    document = {
        "source": preview.source,
        "resources": list(preview.records),
        "outputs": preview.outputs,
        "violations": [asdict(v) for v in preview.violations],
        "notes": list(preview.notes),
        "packs": [{"name": p.name, "version": p.version, "path": p.path} for p in preview.packs],
        "summary": preview.summary(),
    }
    return json.dumps(document, indent=2, sort_keys=True, default=str)


def render_dot(records: Iterable[dict[str, Any]]) -> str:
    """Parent edges dashed, dependency edges solid."""
    lines = ["digraph resources {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    for r in records:
        lines.append(f"  {json.dumps(r['urn'])} [label={json.dumps(r['type'] + chr(10) + r['name'])}];")
    for r in records:
        if r["parent"]:
            lines.append(f"  {json.dumps(r['parent'])} -> {json.dumps(r['urn'])} [style=dashed];")
        for dependency in r["dependencies"]:
            lines.append(f"  {json.dumps(r['urn'])} -> {json.dumps(dependency)};")
    return "\n".join(lines + ["}"]) + "\n"


def _tree(records: Sequence[dict[str, Any]]) -> list[str]:
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    urns = {r["urn"] for r in records}
    roots: list[dict[str, Any]] = []
    for r in records:
        (children[r["parent"]] if r["parent"] in urns else roots).append(r)
    lines: list[str] = []

    def walk(record: dict[str, Any], prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        lines.append(f" +   {prefix}{branch}{record['type']:<{max(1, 50 - len(prefix + branch))}} {record['name']}")
        kids = sorted(children[record["urn"]], key=lambda c: (c["type"], c["name"]))
        extension = "" if top else ("   " if last else "│  ")
        for i, kid in enumerate(kids):
            walk(kid, prefix + extension, i == len(kids) - 1, False)

    for root in sorted(roots, key=lambda r: r["urn"]):
        walk(root, "", True, True)
    return lines


def _violation(v: Any) -> str:
    message = " ".join(v.message.split())
    pack = f" ({v.pack})" if getattr(v, "pack", "") else ""
    return f"    [{v.level}] {v.policy}{pack}\n        {v.urn}\n        {message}"
