"""python -m preview --project DIR: another team's Python program, judged offline."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import preview.__main__ as cli
from preview.fake_outputs import fake_outputs
from preview.place import Place
from tests.support.preview_cli import run_cli
from tests.support.preview_inputs import FOREIGN


@pytest.fixture
def foreign(tmp_path) -> Path:
    """A copy of the foreign program that a test may change."""
    copy = tmp_path / "orders"
    shutil.copytree(FOREIGN, copy)
    return copy


def test_a_foreign_program_runs_and_is_judged_by_our_pack(capsys):
    status, out, err = run_cli(capsys, "--project", str(FOREIGN), "dev", "--format", "json")
    document = json.loads(out)

    assert status == 1, err
    by_type = {r["type"]: r for r in document["resources"]}
    machine = by_type["aws:sfn/stateMachine:StateMachine"]  # a type with no realistic fake outputs
    assert machine["urn"] == "urn:pulumi:dev::orders::aws:sfn/stateMachine:StateMachine::drain"
    assert document["outputs"]["machineArn"] == machine["outputs"]["arn"]
    assert machine["outputs"]["arn"].startswith("arn:aws:sfn:eu-central-1:123456789012:")
    # the queue's realistic URL and the project-level config default reached the definition
    definition = json.loads(machine["inputs"]["definition"])["States"]["Receive"]["Parameters"]
    assert definition == {
        "QueueUrl": "https://sqs.eu-central-1.amazonaws.com/123456789012/orders-dev",
        "MaxNumberOfMessages": 10,
    }
    mandatory = {(v["policy"], v["pack"]) for v in document["violations"] if v["level"] == "mandatory"}
    assert ("iam-policy-no-wildcard-actions", "iam-platform-guardrails") in mandatory
    assert any("orders:apiToken holds a secure value" in note for note in document["notes"])


def test_the_stack_file_config_wins_over_the_project_default(capsys, foreign):
    stack = foreign / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "  orders:batchSize: 3\n")

    _, out, _ = run_cli(capsys, "--project", str(foreign), "--format", "json")

    machine = next(r for r in json.loads(out)["resources"] if r["type"] == "aws:sfn/stateMachine:StateMachine")
    assert json.loads(machine["inputs"]["definition"])["States"]["Receive"]["Parameters"]["MaxNumberOfMessages"] == 3


def test_the_program_runs_in_the_interpreter_its_pulumi_yaml_names(capsys, foreign):
    marker = foreign / "ran-with-venv"
    python = foreign / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\ntouch {marker}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    (foreign / "Pulumi.yaml").write_text(
        (foreign / "Pulumi.yaml")
        .read_text()
        .replace("runtime: python\n", "runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    )

    status, out, err = run_cli(capsys, "--project", str(foreign))

    assert status == 1, err
    assert marker.exists() and "aws:sfn/stateMachine:StateMachine" in out


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: (d / "Pulumi.yaml").unlink(), "not a Pulumi project (no Pulumi.yaml)"),
        (
            lambda d: (d / "Pulumi.yaml").write_text("name: orders\nruntime: nodejs\n"),
            "runtime 'nodejs'; --project runs Python programs",
        ),
        (
            lambda d: (d / "Pulumi.yaml").write_text(
                "name: orders\nruntime: {name: python, options: {virtualenv: venv}}\n"
            ),
            "virtualenv venv has no bin/python",
        ),
        (lambda d: (d / "Pulumi.yaml").write_text("name: orders\nruntime: python\nmain: src/\n"), "no program at src"),
        (
            lambda d: (d / "__main__.py").write_text("raise RuntimeError('boom in the program')\n"),
            "the program failed: RuntimeError: boom in the program",
        ),
        (
            lambda d: (d / "__main__.py").write_text("import not_installed_anywhere\n"),
            "cannot import not_installed_anywhere",
        ),
        (lambda d: (d / "Pulumi.dev.yaml").unlink(), "unknown stack 'dev'"),
    ],
)
def test_a_project_that_cannot_run_is_one_line_and_exit_2(capsys, foreign, change, message):
    change(foreign)

    status, out, err = run_cli(capsys, "--project", str(foreign))

    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_missing_project_dir_is_exit_2(capsys, tmp_path):
    status, _, err = run_cli(capsys, "--project", str(tmp_path / "nowhere"))
    assert status == 2 and "--project needs a Pulumi project directory" in err


def test_project_and_state_together_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--project", str(FOREIGN), "--state", str(tmp_path / "x.json")])
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    "type_, arn_prefix",
    [
        ("aws:sfn/stateMachine:StateMachine", "arn:aws:sfn:eu-west-1:123456789012:statemachine/"),
        ("aws:glue/catalogDatabase:CatalogDatabase", "arn:aws:glue:eu-west-1:123456789012:catalogdatabase/"),
    ],
)
def test_any_aws_type_gets_an_id_a_name_and_an_arn(type_, arn_prefix):
    resource_id, outputs = fake_outputs(type_, "thing", {}, Place("eu-west-1"))
    assert resource_id == outputs["name"] and resource_id.startswith("thing-")
    assert outputs["arn"] == arn_prefix + resource_id


def test_other_providers_get_an_id_and_a_name_but_no_arn():
    resource_id, outputs = fake_outputs("tls:index/privateKey:PrivateKey", "key", {}, Place("eu-west-1"))
    assert outputs == {"name": resource_id}
    provider_id, _ = fake_outputs("pulumi:providers:tls", "default", {}, Place("eu-west-1"))
    assert provider_id.count("-") == 4


def test_get_policy_document_renders_the_provider_document():
    from preview.policy_documents import policy_document

    rendered = policy_document(
        {
            "statements": [
                {
                    "sid": "Read",
                    "actions": ["s3:GetObject", "s3:ListBucket"],
                    "resources": ["arn:aws:s3:::b/*"],
                    "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}],
                    "conditions": [{"test": "StringEquals", "variable": "aws:PrincipalOrgID", "values": ["o-1"]}],
                }
            ]
        }
    )

    assert json.loads(rendered["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": "arn:aws:s3:::b/*",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            }
        ],
    }
    assert json.loads(rendered["minifiedJson"]) == json.loads(rendered["json"])
    everyone = policy_document(
        {"statements": [{"actions": ["sqs:SendMessage"], "principals": [{"type": "*", "identifiers": ["*"]}]}]}
    )
    assert json.loads(everyone["json"])["Statement"][0]["Principal"] == "*"


def test_main_names_a_directory_whose_modules_the_program_imports(capsys, foreign):
    source = foreign / "src"
    source.mkdir()
    (foreign / "__main__.py").rename(source / "__main__.py")
    (source / "naming.py").write_text("PREFIX = 'team'\n")
    main = source / "__main__.py"
    main.write_text(
        "from naming import PREFIX\n" + main.read_text().replace('Stream("audit"', 'Stream(PREFIX + "-audit"')
    )
    (foreign / "Pulumi.yaml").write_text((foreign / "Pulumi.yaml").read_text() + "main: src/\n")

    status, out, err = run_cli(capsys, "--project", str(foreign), "--format", "json")

    assert status == 1, err
    assert "team-audit" in {r["name"] for r in json.loads(out)["resources"]}
