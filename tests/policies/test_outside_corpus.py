"""The outside corpus: cases from sources outside the project (scanners' fixtures, AWS CDK grants, provider
docs, public repositories), each a stack export carrying its provenance and the policies it must trip.

The pack runs with its own defaults, as on anyone's stack: a policy that fires and is not expected is a false
alarm, an expected one that does not fire is a miss. Add a case by adding a file (see corpus/outside/README.md).
"""

import json
import re
from pathlib import Path

import pytest

from policies.pack import build_policies
from preview.analysis import analyze
from preview.state_files import read_state_file

OUTSIDE = Path(__file__).resolve().parent / "corpus" / "outside"
CASES = sorted(OUTSIDE.glob("*.json"))
POLICIES = {p.name for p in build_policies()}


def case(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_corpus_has_bad_and_good_cases():
    expected = [case(p)["expect"]["violations"] for p in CASES]
    assert sum(1 for e in expected if e) >= 20 and sum(1 for e in expected if not e) >= 15


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_says_where_it_comes_from(path):
    provenance, expect = case(path)["provenance"], case(path)["expect"]

    assert {"source", "repository", "path", "commit", "scanner", "check", "fixture"} <= set(provenance)
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", provenance["repository"])
    assert re.fullmatch(r"[0-9a-f]{40}", provenance["commit"])
    assert set(expect["violations"]) <= POLICIES


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_pack_catches_every_bad_case_and_flags_no_good_one(path):
    expected = set(case(path)["expect"]["violations"])

    fired = {v.policy for v in analyze(read_state_file(path))}

    assert fired - expected == set(), "false alarm"
    assert expected - fired == set(), "miss"
