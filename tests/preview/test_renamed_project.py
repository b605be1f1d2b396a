"""A copy of the project renamed in Pulumi.yaml previews with its own namespace and names, and
reads its rulesFile from its own folder. (The pack's name, iam-platform-guardrails, stays: it
names the policy pack, not the project.)"""

import json
import re
import shutil
from pathlib import Path

import pytest

import preview.__main__ as cli
from tests.support.harness import REPO

NEW = "acme-iam"


@pytest.fixture
def renamed(tmp_path, monkeypatch) -> Path:
    """The files a stack's program needs, with the project renamed (the code itself is shared)."""
    shutil.copy(REPO / "__main__.py", tmp_path / "__main__.py")
    shutil.copytree(REPO / "tvm-rules", tmp_path / "tvm-rules")
    (tmp_path / "Pulumi.yaml").write_text(
        re.sub(r"^name: iam-platform$", f"name: {NEW}", (REPO / "Pulumi.yaml").read_text(), flags=re.M)
    )
    # keys and the values that name the project's resources (the external reader's secret prefix, ...)
    (tmp_path / "Pulumi.dev.yaml").write_text((REPO / "Pulumi.dev.yaml").read_text().replace("iam-platform", NEW))
    rules = tmp_path / "tvm-rules" / "dev-deploy.yaml"
    rules.write_text(rules.read_text().replace("name: office-hours", "name: acme-office-hours"))
    monkeypatch.setattr(cli, "PROJECT_DIR", tmp_path)
    return tmp_path


def preview_json(capsys) -> dict:
    status = cli.main(["dev", "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


def test_renamed_copy_previews_with_its_own_names(renamed, capsys):
    document = preview_json(capsys)
    resources = document["resources"]
    assert all(f"::{NEW}::" in r["urn"] for r in resources)
    secrets = {r["inputs"]["name"] for r in resources if r["type"] == "aws:secretsmanager/secret:Secret"}
    assert secrets and all(name.startswith(f"{NEW}/dev/") for name in secrets)
    [provider] = [r for r in resources if r["type"] == "pulumi:providers:aws"]
    assert json.loads(provider["inputs"]["defaultTags"])["tags"]["project"] == NEW
    # Left: the tag keys the policy pack recognises (components/tags.py), and component type tokens.
    left = [
        r["name"]
        for r in resources
        if "iam-platform" in json.dumps({k: v for k, v in r["inputs"].items() if k != "tags"})
    ]
    assert left == [], "names, descriptions and policies follow the project's name"


def test_rules_file_resolves_against_the_copy(renamed, capsys):
    resources = preview_json(capsys)["resources"]
    [deploy] = [
        r for r in resources if r["type"] == "aws:ssm/parameter:Parameter" and r["name"] == "tvm-profile-deploy-rules"
    ]
    assert "acme-office-hours" in deploy["inputs"]["value"]


def test_old_namespace_is_refused_in_the_renamed_copy(renamed, capsys):
    stack_file = renamed / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text() + "  iam-platform:jwks:\n    cacheTtlSeconds: 30\n")
    assert cli.main(["dev"]) == 2
    assert f"unknown namespace 'iam-platform' (allowed: {NEW}" in capsys.readouterr().err
