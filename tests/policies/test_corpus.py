"""The misconfiguration corpus through `python -m preview --state FILE --format json --pack-config ...`:
every case trips exactly its policy, every clean export trips nothing. The corpus is this project's
platform, so it runs with the pack config the project's stacks ship."""

import json
from pathlib import Path

import pytest

from policies.pack import build_policies
from preview.__main__ import main
from preview.pack_config import PROJECT_PACK_CONFIG

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p for p in CORPUS.glob("*.json") if not p.name.startswith("clean-"))
CLEAN = sorted(CORPUS.glob("clean-*.json"))
LEVELS = {p.name: p.enforcement_level.value for p in build_policies()}


def preview_json(capsys, path: Path) -> tuple[int, dict]:
    status = main(["--state", str(path), "--format", "json", "--pack-config", str(PROJECT_PACK_CONFIG)])
    return status, json.loads(capsys.readouterr().out)


def test_every_policy_has_a_corpus_case():
    assert {p.stem for p in CASES} == set(LEVELS)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_case_trips_exactly_its_policy(capsys, path):
    status, report = preview_json(capsys, path)

    tripped = {(v["policy"], v["level"]) for v in report["violations"]}
    assert tripped == {(path.stem, LEVELS[path.stem])}
    assert status == (1 if LEVELS[path.stem] == "mandatory" else 0)
    assert all(v["message"].strip() for v in report["violations"])


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_a_clean_export_trips_nothing(capsys, path):
    status, report = preview_json(capsys, path)

    assert (status, report["violations"]) == (0, [])
    assert report["summary"]["resources"] > 30


@pytest.mark.analyzer
def test_the_real_grpc_analyzer_agrees_on_a_case(capsys):
    path = CORPUS / "tvm-role-assume-scope.json"
    in_process = preview_json(capsys, path)

    status = main(["--state", str(path), "--format", "json", "--grpc", "--pack-config", str(PROJECT_PACK_CONFIG)])
    over_grpc = (status, json.loads(capsys.readouterr().out))

    assert over_grpc[0] == in_process[0] == 1
    assert over_grpc[1]["violations"] == in_process[1]["violations"]


def test_the_packs_own_defaults_exempt_no_function_of_this_project(capsys):
    # without the project's config, the public verification URL is a violation like anyone else's
    status = main(["--state", str(CORPUS / "clean-platform.json"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)

    assert status == 1
    assert {v["policy"] for v in report["violations"]} == {
        "lambda-function-url-requires-auth",
        "lambda-permission-has-source-arn",
    }
    assert all("verification-fn-function" in v["message"] for v in report["violations"])
