"""python -m preview --pack DIR: any CrossGuard pack, Python or Node, started as the CLI starts it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.node_packs import node_available, ready_pack
from tests.support.preview_cli import run_cli
from tests.support.preview_inputs import FOREIGN, PYTHON_PACK, foreign_with_both_packs

HERE = Path(__file__).resolve().parent
NODE_PACK = HERE / "packs" / "node"

# Every test here starts a pack in its own analyzer process (Python or Node).
pytestmark = pytest.mark.analyzer


@pytest.fixture(scope="module")
def node_pack() -> Path:
    if not node_available():
        if os.environ.get("CI"):
            pytest.fail("node and npm must be installed in CI (.ci/run installs the Debian packages)")
        pytest.skip("node and npm are not installed (Debian: apt-get install nodejs npm)")
    return ready_pack(NODE_PACK)


def test_two_packs_judge_one_program_and_each_violation_names_its_pack(capsys):
    status, out, err = run_cli(capsys, *foreign_with_both_packs("json"))
    document = json.loads(out)

    assert status == 1, err
    assert [p["name"] for p in document["packs"]] == ["team-python-pack", "iam-platform-guardrails"]
    assert document["packs"][0]["version"] == "1.2.3"  # PulumiPolicy.yaml's, as the engine shows it
    found = {(v["pack"], v["policy"], v["urn"].rsplit("::", 1)[-1]) for v in document["violations"]}
    assert ("team-python-pack", "kinesis-stream-encrypted", "audit") in found
    assert ("iam-platform-guardrails", "iam-policy-no-wildcard-actions", "machine-everything") in found


def test_the_text_report_names_the_packs(capsys):
    _, out, _ = run_cli(capsys, "--project", str(FOREIGN), "--pack", str(PYTHON_PACK))
    assert "Policy report (team-python-pack):" in out
    assert "[mandatory] kinesis-stream-encrypted (team-python-pack)" in out


def test_a_node_pack_runs_end_to_end(capsys, node_pack):
    # Without an empty properties Struct in Configure, the Node SDK's configure() throws here.
    status, out, err = run_cli(capsys, "--project", str(FOREIGN), "--pack", str(node_pack), "--format", "json")
    document = json.loads(out)

    assert status == 1, err
    assert document["packs"][0]["name"] == "preview-test-node-pack"
    assert [(v["pack"], v["policy"], v["level"], v["urn"]) for v in document["violations"]] == [
        (
            "preview-test-node-pack",
            "sqs-queue-has-retention",
            "mandatory",
            "urn:pulumi:dev::orders::aws:sqs/queue:Queue::orders",
        )
    ]


def test_a_node_pack_stack_policy_sees_every_resource(capsys, node_pack, tmp_path):
    program = tmp_path / "orders"
    shutil.copytree(FOREIGN, program)
    main = program / "__main__.py"
    main.write_text(main.read_text() + '\naws.sfn.StateMachine("second", role_arn=role.arn, definition="{}")\n')

    _, out, _ = run_cli(capsys, "--project", str(program), "--pack", str(node_pack), "--format", "json")

    advisory = [v for v in json.loads(out)["violations"] if v["level"] == "advisory"]
    assert [(v["policy"], v["urn"]) for v in advisory] == [
        ("at-most-one-state-machine", "urn:pulumi:dev::orders::pulumi:pulumi:Stack::orders-dev")
    ]


def test_a_node_pack_without_its_dependencies_is_exit_2(capsys, tmp_path):
    for name in ("PulumiPolicy.yaml", "package.json", "index.js"):
        shutil.copy(NODE_PACK / name, tmp_path / name)
    if not node_available():
        pytest.skip("node is not installed: the message would be about node instead")

    status, out, err = run_cli(capsys, "--project", str(FOREIGN), "--pack", str(tmp_path))

    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "dependencies are not installed" in err and "npm install" in err


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing", "--pack needs a policy pack directory"),
        (lambda d: d, "not a policy pack (no PulumiPolicy.yaml)"),
        (lambda d: (d / "PulumiPolicy.yaml").write_text("runtime: dotnet\n") and d, "runtime 'dotnet'"),
        (
            lambda d: (d / "PulumiPolicy.yaml").write_text("runtime: [python\n") and d,
            "PulumiPolicy.yaml: line 2 column 1",
        ),
        (
            lambda d: (
                (d / "PulumiPolicy.yaml").write_text("runtime: {name: python, options: {virtualenv: venv}}\n") and d
            ),
            "PulumiPolicy.yaml: virtualenv venv has no bin/python; create it and install the pack's requirements.txt",
        ),
    ],
)
def test_a_bad_pack_dir_is_one_line_and_exit_2(capsys, tmp_path, make, message):
    status, out, err = run_cli(capsys, "--project", str(FOREIGN), "--pack", str(make(tmp_path)))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_more_pack_configs_than_packs_is_exit_2(capsys, tmp_path):
    config = tmp_path / "config.json"
    config.write_text("{}")
    status, _, err = run_cli(
        capsys, "--project", str(FOREIGN), "--pack-config", str(config), "--pack-config", str(config)
    )
    assert status == 2 and "2 --pack-config files for 1 pack(s)" in err


def test_a_pack_config_goes_with_the_pack_in_the_same_position(capsys, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"kinesis-stream-encrypted": "advisory"}))

    _, out, _ = run_cli(
        capsys, "--project", str(FOREIGN), "--pack", str(PYTHON_PACK), "--pack-config", str(config), "--format", "json"
    )

    assert [v["level"] for v in json.loads(out)["violations"]] == ["advisory"]
