"""--format sarif and --format junit: what code-scanning services and CI test reports read."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from tests.support.preview_cli import run_cli
from tests.support.preview_inputs import FOREIGN, PYTHON_PACK, foreign_with_both_packs

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "schemas" / "sarif-schema-2.1.0.json").read_text())

# Every test here starts a pack in its own analyzer process (Python or Node).
pytestmark = pytest.mark.analyzer


def foreign_sarif(capsys) -> tuple[int, dict]:
    status, out, _ = run_cli(capsys, *foreign_with_both_packs("sarif"))
    return status, json.loads(out)


def test_sarif_validates_against_the_schema(capsys):
    status, document = foreign_sarif(capsys)
    assert status == 1
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def test_the_schema_copy_rejects_what_the_official_one_rejects(capsys):
    _, document = foreign_sarif(capsys)
    document["runs"][0]["results"][0]["level"] = "mandatory"  # not a SARIF level
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(document)


def test_one_run_per_pack_with_its_policies_as_rules(capsys):
    _, document = foreign_sarif(capsys)

    drivers = [run["tool"]["driver"] for run in document["runs"]]
    assert [(d["name"], d.get("version")) for d in drivers] == [
        ("team-python-pack", "1.2.3"),
        ("iam-platform-guardrails", "0.2.0"),
    ]
    [rule] = drivers[0]["rules"]
    assert rule["id"] == "kinesis-stream-encrypted" and rule["help"]["text"] == "Kinesis streams use KMS."
    assert rule["defaultConfiguration"]["level"] == "error"
    ours = {r["id"]: r for r in drivers[1]["rules"]}
    assert ours["iam-no-list-secrets"]["defaultConfiguration"]["level"] == "warning"


def test_one_result_per_violation_located_at_the_resource(capsys):
    _, document = foreign_sarif(capsys)
    lines = (FOREIGN / "__main__.py").read_text().splitlines()

    results = [result for run in document["runs"] for result in run["results"]]
    by_rule = {r["ruleId"]: r for r in results}
    assert len(results) == 6  # 1 from the team's pack, 3 mandatory and 2 advisory from ours
    wildcard = by_rule["iam-policy-no-wildcard-actions"]
    assert wildcard["level"] == "error" and 'allows "*"' in wildcard["message"]["text"]
    [location] = wildcard["locations"]
    assert location["logicalLocations"] == [
        {
            "name": "machine-everything",
            "kind": "resource",
            "fullyQualifiedName": "urn:pulumi:dev::orders::aws:iam/rolePolicy:RolePolicy::machine-everything",
        }
    ]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("tests/preview/programs/foreign/__main__.py")
    assert '"machine-everything"' in lines[physical["region"]["startLine"] - 1]
    assert by_rule["iam-no-list-secrets"]["level"] == "warning"
    rules = document["runs"][1]["tool"]["driver"]["rules"]
    assert rules[wildcard["ruleIndex"]]["id"] == "iam-policy-no-wildcard-actions"


def test_a_passing_run_is_valid_sarif_with_no_results(capsys, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"kinesis-stream-encrypted": "disabled"}))

    status, out, _ = run_cli(
        capsys, "--project", str(FOREIGN), "--pack", str(PYTHON_PACK), "--pack-config", str(config), "--format", "sarif"
    )

    document = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    assert status == 0 and document["runs"][0]["results"] == []


def test_junit_has_a_case_per_resource_and_a_failure_per_mandatory_violation(capsys):
    status, out, _ = run_cli(capsys, *foreign_with_both_packs("junit"))
    root = ET.fromstring(out)

    assert status == 1 and root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["team-python-pack", "iam-platform-guardrails"]
    assert root.get("failures") == "4" and root.get("tests") == "12"
    ours = suites["iam-platform-guardrails"]
    failing = [case for case in ours.findall("testcase") if case.find("failure") is not None]
    assert [case.get("name").rsplit("::", 1)[-1] for case in failing] == ["machine-everything"]
    assert {f.get("type") for f in failing[0].findall("failure")} == {
        "iam-policy-no-wildcard-actions",
        "iam-policy-scoped-resources",
        "iam-policy-no-privilege-escalation",
    }
    role = next(case for case in ours.findall("testcase") if case.get("name").endswith("::machine"))
    assert (
        role.find("failure") is None and "[advisory] iam-role-trust-service-conditions" in role.find("system-out").text
    )
