"""``--format junit``: JUnit XML for CI systems that read test reports. One test suite per pack,
one test case per resource (and one for the stack); a mandatory violation is a failure of its
resource's case, an advisory one is written to the case's system-out (the gate passes on it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET


def render_junit(preview: Any) -> str:
    suites = ET.Element("testsuites", name=f"policy report for {preview.source}")
    total_failures = 0
    for pack in preview.packs:
        suite, failures = _suite(pack, preview.records)
        suites.append(suite)
        total_failures += failures
    suites.set("tests", str(len(preview.records) * len(preview.packs)))
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _suite(pack: Any, records: list[dict[str, Any]]) -> tuple[ET.Element, int]:
    by_urn: dict[str, list[Any]] = defaultdict(list)
    for violation in pack.violations:
        by_urn[violation.urn].append(violation)
    suite = ET.Element("testsuite", name=pack.name, tests=str(len(records)))
    failures = 0
    for record in records:
        case = ET.SubElement(suite, "testcase", classname=f"{pack.name}.{record['type']}", name=record["urn"])
        advisories = []
        for violation in by_urn.pop(record["urn"], []):
            text = " ".join(violation.message.split())
            if violation.level == "mandatory":
                failures += 1
                ET.SubElement(case, "failure", message=f"{violation.policy}: {text}", type=violation.policy).text = text
            else:
                advisories.append(f"[{violation.level}] {violation.policy}: {text}")
        if advisories:
            ET.SubElement(case, "system-out").text = "\n".join(advisories)
    for urn, violations in by_urn.items():  # a stack diagnostic on a resource the input lacks
        case = ET.SubElement(suite, "testcase", classname=f"{pack.name}.stack", name=urn or "stack")
        for violation in violations:
            if violation.level == "mandatory":
                failures += 1
                ET.SubElement(case, "failure", message=violation.policy, type=violation.policy).text = violation.message
    suite.set("failures", str(failures))
    return suite, failures
