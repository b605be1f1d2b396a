"""The offline preview as users run it: python -m preview."""

import json
import shutil
from pathlib import Path

import pytest

import preview.__main__ as cli
from preview import gate
from tests.support.harness import REPO
from tests.support.preview_cli import run_cli

EXPORT_URN = "urn:pulumi:dev::iam-platform::aws:apigatewayv2/route:Route::{}"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project files whose stack settings a test may break."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.setattr(cli, "PROJECT_DIR", tmp_path)
    return tmp_path


def route(name: str, route_key: str, authorization: str) -> dict:
    inputs = {"apiId": "a1b2c3", "routeKey": route_key, "authorizationType": authorization}
    return {
        "urn": EXPORT_URN.format(name),
        "custom": True,
        "id": name,
        "type": "aws:apigatewayv2/route:Route",
        "inputs": inputs,
        "outputs": inputs,
        "parent": "",
        "dependencies": [],
        "propertyDependencies": {},
        "provider": "",
    }


def export_file(tmp_path: Path, *resources: dict) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": list(resources)}}))
    return path


def test_dev_plan_shows_the_jwks_system_and_passes(capsys):
    status, out, _ = run_cli(capsys, "dev")
    assert status == 0
    assert "iam-platform:jwks:JwksEndpoint" in out and "aws:apigatewayv2/route:Route" in out
    assert "jwksUrl" in out and out.rstrip().splitlines()[-1].startswith("PASSED")


def test_json_format_is_one_document(capsys):
    status, out, _ = run_cli(capsys, "dev", "--format", "json")
    document = json.loads(out)
    assert status == 0 and document["summary"]["mandatory"] == 0
    assert {"resources", "violations", "summary"} <= document.keys()
    types = {r["type"] for r in document["resources"]}
    assert {"aws:lambda/function:Function", "pulumi:pulumi:Stack"} <= types


def test_graph_has_parent_and_dependency_edges(capsys, tmp_path):
    dot = tmp_path / "stack.dot"
    run_cli(capsys, "dev", "--graph", str(dot))
    text = dot.read_text()
    assert text.startswith("digraph") and "style=dashed" in text
    assert any("->" in line and "style" not in line for line in text.splitlines())


def test_unknown_stack_is_a_usage_error(capsys):
    status, _, err = run_cli(capsys, "qa")
    assert status == 2 and "unknown stack 'qa'" in err


def test_bad_setting_exits_2_naming_the_key(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:jwks:\n    cacheTtlSeconds: -5\n"
        "  iam-platform:jwkz:\n    enabled: true\n"
    )
    status, out, err = run_cli(capsys, "dev")
    assert status == 2 and out == ""
    assert "iam-platform:jwks.cacheTtlSeconds = -5: " in err
    assert "iam-platform:jwkz = " in err and "unknown setting" in err


def test_a_secure_alarm_email_previews_with_a_placeholder_that_fits_the_rule(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:notifications:\n    email:\n      secure: v1:AAAABBBBCCCC\n"
    )
    status, out, err = run_cli(capsys, "dev", "--format", "json")
    document = json.loads(out)
    assert (status, err) == (0, "")
    assert "iam-platform:notifications holds a secure value; the preview used a placeholder" in document["notes"]
    endpoints = [
        r["inputs"].get("endpoint")
        for r in document["resources"]
        if r["type"] == "aws:sns/topicSubscription:TopicSubscription"
    ]
    assert endpoints == ["secure-value-not-decrypted@offline.invalid"]


def test_state_file_with_unexempted_public_route_fails(capsys, tmp_path):
    path = export_file(
        tmp_path, route("public", "POST /orders", "NONE"), route("jwks", "GET /.well-known/jwks.json", "NONE")
    )
    status, out, _ = run_cli(capsys, "--state", str(path))
    assert status == 1
    assert "apigatewayv2-route-requires-iam-auth" in out
    assert EXPORT_URN.format("public") in out and EXPORT_URN.format("jwks") not in out


def test_state_file_that_complies_passes(capsys, tmp_path):
    path = export_file(tmp_path, route("private", "POST /orders", "AWS_IAM"))
    status, _, _ = run_cli(capsys, "--state", str(path))
    assert status == 0


def test_preview_json_file_is_read_too(capsys, tmp_path):
    path = tmp_path / "preview.json"
    state = route("public", "POST /orders", "NONE")
    path.write_text(json.dumps({"steps": [{"op": "create", "urn": state["urn"], "newState": state}]}))
    status, out, _ = run_cli(capsys, "--state", str(path), "--format", "json")
    assert status == 1
    assert [v["policy"] for v in json.loads(out)["violations"]] == ["apigatewayv2-route-requires-iam-auth"]


@pytest.mark.parametrize("content", ["not json", '{"version": 2, "deployment": {}}', "[]"])
def test_unreadable_state_file_is_a_usage_error(capsys, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    status, _, err = run_cli(capsys, "--state", str(path))
    assert status == 2 and str(path) in err


def test_secure_value_that_validates_is_previewed_with_a_note(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:tags:\n    owner:\n      secure: v1:AAAABBBBCCCC\n"
    )
    status, out, _ = run_cli(capsys, "dev")
    assert status == 0
    assert "note: iam-platform:tags holds a secure value; the preview used a placeholder" in out


def test_encrypted_secrets_in_an_export_are_unknown_not_a_crash(capsys, tmp_path):
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}
    state = route("public", "POST /orders", "NONE")
    state["inputs"] = {**state["inputs"], "apiKeyRequired": secret}
    shown = route("shown", "POST /orders", "AWS_IAM")
    shown["inputs"] = {**shown["inputs"], "routeKey": {**secret, "plaintext": '"GET /x"'}}
    status, out, _ = run_cli(capsys, "--state", str(export_file(tmp_path, state, shown)), "--format", "json")
    document = json.loads(out)
    assert status == 1 and [v["policy"] for v in document["violations"]] == ["apigatewayv2-route-requires-iam-auth"]
    assert {r["name"]: r["inputs"]["routeKey"] for r in document["resources"]}["shown"] == "GET /x"


def one_error_line(err: str, *fragments: str) -> bool:
    return err.count("\n") == 1 and err.startswith("preview: ") and all(f in err for f in fragments)


def test_graph_to_a_directory_is_refused_before_the_preview_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(gate, "pack_dirs", lambda packs: pytest.fail("the preview ran before the output was checked"))
    status, out, err = run_cli(capsys, "dev", "--graph", str(tmp_path))
    assert (status, out) == (2, "") and one_error_line(err, str(tmp_path), "is a directory")


@pytest.mark.parametrize("where", ["missing/stack.dot", "file.txt/stack.dot"])
def test_graph_under_a_path_that_is_not_a_directory_is_refused(capsys, tmp_path, monkeypatch, where):
    (tmp_path / "file.txt").write_text("")
    monkeypatch.setattr(gate, "pack_dirs", lambda packs: pytest.fail("the preview ran before the output was checked"))
    status, out, err = run_cli(capsys, "dev", "--graph", str(tmp_path / where))
    assert (status, out) == (2, "") and one_error_line(err, str(tmp_path / where), "not an existing directory")


def test_bad_usage_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["dev", "--format", "xml"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and one_error_line(err, "argument --format: invalid choice: 'xml'", "--help")


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1, 2]", "must be a JSON object"),
        ("{", "not JSON"),
        ('{"all": 5}', "must be an enforcement level or an object"),
    ],
)
def test_a_pack_config_that_is_not_an_object_is_one_line(capsys, tmp_path, content, problem):
    config = tmp_path / "pack.json"
    config.write_text(content)
    status, out, err = run_cli(capsys, "--state", str(export_file(tmp_path)), "--pack-config", str(config))
    assert (status, out) == (2, "") and one_error_line(err, str(config), problem)


def test_an_unexpected_failure_is_one_line_and_exit_2_not_1(capsys, monkeypatch):
    def crash(packs):
        raise KeyError("boom")

    monkeypatch.setattr(gate, "pack_dirs", crash)
    status, out, err = run_cli(capsys, "dev")
    assert (status, out) == (2, "") and one_error_line(err, "stack dev: unexpected KeyError: 'boom'")


def test_bad_pack_config_is_a_usage_error(capsys, tmp_path):
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"apigatewayv2-route-requires-iam-auth": {"exemptRouteKeys": "not a list"}}))
    status, _, err = run_cli(capsys, "dev", "--pack-config", str(config))
    assert status == 2 and "bad pack config" in err


def test_program_records_one_stack():
    from tests.support.harness import run_stack

    assert len(run_stack("dev").of_type("pulumi:pulumi:Stack")) == 1


@pytest.mark.analyzer
def test_grpc_transport_reports_the_same(capsys, tmp_path):
    path = export_file(tmp_path, route("public", "POST /orders", "NONE"))
    in_process = run_cli(capsys, "--state", str(path), "--format", "json")
    over_grpc = run_cli(capsys, "--state", str(path), "--format", "json", "--grpc")
    assert over_grpc[0] == in_process[0] == 1
    assert json.loads(over_grpc[1])["violations"] == json.loads(in_process[1])["violations"]


def test_a_misspelt_namespace_is_refused_naming_the_key(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platfrom:jwks:\n    cacheTtlSeconds: 30\n"
    )
    status, out, err = run_cli(capsys, "dev")
    assert (status, out) == (2, "")
    assert err == (
        "preview: Pulumi.dev.yaml: iam-platfrom:jwks: unknown namespace 'iam-platfrom' "
        "(allowed: iam-platform, aws, pulumi, random; check the spelling)\n"
    )


def test_provider_namespaces_the_program_uses_are_accepted(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  aws:skipMetadataApiCheck: 'true'\n  pulumi:tags:\n    team: x\n"
    )
    status, _, err = run_cli(capsys, "dev")
    assert (status, err) == (0, "")


def test_a_duplicated_key_stops_the_preview_with_one_line(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:jwks:\n    cacheTtlSeconds: 30\n"
        "  iam-platform:jwks:\n    enabled: false\n"
    )
    status, out, err = run_cli(capsys, "dev")
    assert (status, out) == (2, "") and one_error_line(err, "Pulumi.dev.yaml: line 5 column 3: duplicate key")


def test_strings_for_numbers_and_booleans_are_accepted_as_pulumi_config_set_stores_them(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:jwks:\n    cacheTtlSeconds: '300'\n    enabled: 'yes'\n"
        "  iam-platform:observability:\n    alarmsEnabled: 'true'\n    logRetentionDays: '30'\n"
    )
    status, out, err = run_cli(capsys, "dev", "--format", "json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    groups = [
        r["inputs"]["retentionInDays"] for r in document["resources"] if r["type"] == "aws:cloudwatch/logGroup:LogGroup"
    ]
    assert groups and set(groups) == {30}
    assert any(r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm" for r in document["resources"])


def test_secure_values_get_a_placeholder_that_fits_each_field(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:database:\n    enabled: true\n"
        "    masterUsername:\n      secure: v1:AAAA\n"
        "  iam-platform:functions:\n    environmentKmsKeyArn:\n      secure: v1:BBBB\n"
    )
    status, out, err = run_cli(capsys, "dev", "--format", "json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    clusters = [r["inputs"] for r in document["resources"] if r["type"] == "aws:rds/cluster:Cluster"]
    functions = [r["inputs"] for r in document["resources"] if r["type"] == "aws:lambda/function:Function"]
    assert [c["masterUsername"] for c in clusters] == ["secured"]
    assert functions and {f.get("kmsKeyArn") for f in functions} == {
        "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"
    }
    assert {
        "iam-platform:database holds a secure value; the preview used a placeholder",
        "iam-platform:functions holds a secure value; the preview used a placeholder",
    } <= set(document["notes"])


def test_a_secure_value_no_placeholder_fits_is_named_as_secret(capsys, project):
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  iam-platform:functions:\n    memoryMb:\n      secure: v1:AAAA\n"
    )
    status, out, err = run_cli(capsys, "dev")
    assert (status, out) == (2, "") and one_error_line(err, "iam-platform:functions.memoryMb = [secret]: ")


def test_a_stack_and_a_state_file_together_are_bad_usage(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        cli.main(["prod", "--state", str(export_file(tmp_path))])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and one_error_line(err, "give a stack (prod) or --state FILE, not both")


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux's /proc/version, which refuses writes")
def test_a_graph_that_fails_to_write_is_one_line_and_exit_2(capsys, tmp_path):
    status, out, err = run_cli(capsys, "--state", str(export_file(tmp_path)), "--graph", "/proc/version")
    assert (status, out) == (2, "") and one_error_line(err, "/proc/version: cannot be written")
