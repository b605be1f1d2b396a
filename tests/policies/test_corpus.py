"""The misconfiguration corpus through `python -m preview --state FILE --format json`:
every case trips exactly its policy, every clean export trips nothing."""

import json
from pathlib import Path

import pytest

from policies.pack import build_policies
from preview.__main__ import main

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p for p in CORPUS.glob("*.json") if not p.name.startswith("clean-"))
CLEAN = sorted(CORPUS.glob("clean-*.json"))
LEVELS = {p.name: p.enforcement_level.value for p in build_policies()}


def preview_json(capsys, path: Path) -> tuple[int, dict]:
    status = main(["--state", str(path), "--format", "json"])
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


def test_the_real_grpc_analyzer_agrees_on_a_case(capsys):
    path = CORPUS / "tvm-role-assume-scope.json"
    in_process = preview_json(capsys, path)

    status = main(["--state", str(path), "--format", "json", "--grpc"])
    over_grpc = (status, json.loads(capsys.readouterr().out))

    assert over_grpc[0] == in_process[0] == 1
    assert over_grpc[1]["violations"] == in_process[1]["violations"]
