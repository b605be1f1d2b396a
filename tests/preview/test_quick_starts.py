"""examples/Pulumi.<system>-only.yaml: each previews clean and deploys its one system (plus the
alarm topic every stack has)."""

import json
import shutil

import pytest

import preview.__main__ as cli
from tests.support.harness import REPO

SYSTEMS = {  # example -> the component types it must declare, besides the alarm topic
    "jwks-only": {"iam-platform:jwks:JwksEndpoint"},
    "tvm-only": {"iam-platform:tvm:TokenVendingMachine"},
    "database-only": {"iam-platform:network:PrivateNetwork", "iam-platform:database:RotatedAuroraSecret"},
    "layers-only": {"iam-platform:layers:ExecutionLayer", "iam-platform:layers:VerificationLayer"},
}
TOP_LEVEL = "urn:pulumi:{stack}::iam-platform::pulumi:pulumi:Stack::iam-platform-{stack}"


def test_every_example_is_tested():
    assert {p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO / "examples").glob("Pulumi.*.yaml")} == set(SYSTEMS)


@pytest.mark.parametrize("stack", sorted(SYSTEMS))
def test_quick_start_previews_with_no_mandatory_violation_and_only_its_system(stack, tmp_path, monkeypatch, capsys):
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copy(REPO / "examples" / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    monkeypatch.setattr(cli, "PROJECT_DIR", tmp_path)
    status = cli.main([stack, "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    resources = json.loads(out)["resources"]
    components = {r["type"] for r in resources if not r["custom"] and r["parent"] == TOP_LEVEL.format(stack=stack)}
    assert components == SYSTEMS[stack] | {"iam-platform:notifications:AlarmTopic"}
