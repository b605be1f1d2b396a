"""``--format sarif``: SARIF 2.1.0, the form code-scanning services read (checkov, KICS and trivy
write it too). One run per pack (its name and version as the tool's driver, its policies as the
rules, each policy's description as the rule's help), one result per violation: the rule is the
policy, the level comes from the enforcement level, the location names the resource (logical
name and URN) and the line of the program that names it, when one does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def render_sarif(preview: Any) -> str:
    program = _ProgramLines(preview.program)
    names = {r["urn"]: r["name"] for r in preview.records}
    runs = [_run(pack, names, program) for pack in preview.packs]
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}, indent=2)


def _run(pack: Any, names: dict[str, str], program: _ProgramLines) -> dict[str, Any]:
    rules = [_rule(policy) for policy in pack.policies]
    index = {policy.name: i for i, policy in enumerate(pack.policies)}
    driver = {"name": pack.name, "rules": rules}
    if pack.version:
        driver["version"] = pack.version
    results = [_result(v, index, names, program) for v in pack.violations]
    run = {"tool": {"driver": driver}, "results": results, "automationDetails": {"id": f"pulumi-policy/{pack.name}/"}}
    if program.uri:
        run["artifacts"] = [{"location": {"uri": program.uri}}]
    return run


def _rule(policy: Any) -> dict[str, Any]:
    description = " ".join(policy.description.split()) or policy.name
    return {
        "id": policy.name,
        "name": policy.name,
        "shortDescription": {"text": description},
        "help": {"text": description},
        "defaultConfiguration": {"level": LEVELS.get(policy.level, "warning")},
    }


def _result(violation: Any, index: dict[str, int], names: dict[str, str], program: _ProgramLines) -> dict:
    name = names.get(violation.urn) or violation.urn.rsplit("::", 1)[-1]
    location: dict[str, Any] = {
        "logicalLocations": [{"name": name, "fullyQualifiedName": violation.urn, "kind": "resource"}]
    }
    if program.uri:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": program.uri, "index": 0},
            "region": {"startLine": program.line_of(name)},
        }
    result = {
        "ruleId": violation.policy,
        "level": LEVELS.get(violation.level, "warning"),
        "message": {"text": " ".join(violation.message.split())},
        "locations": [location],
        "partialFingerprints": {"pulumiUrn/v1": f"{violation.policy}:{violation.urn}"},
    }
    if violation.policy in index:
        result["ruleIndex"] = index[violation.policy]
    return result


class _ProgramLines:
    """The program file as a URI relative to the working directory (the repository root in CI)."""

    def __init__(self, path: str) -> None:
        self.uri, self._lines = "", []
        if path and Path(path).is_file():
            self.uri = Path(os.path.relpath(Path(path).resolve(), Path.cwd())).as_posix()
            self._lines = Path(path).read_text(errors="replace").splitlines()

    def line_of(self, name: str) -> int:
        """The first line quoting the logical name, else 1."""
        quoted = (f'"{name}"', f"'{name}'")
        return next((i for i, line in enumerate(self._lines, 1) if any(q in line for q in quoted)), 1)
