"""The TVM stack rules read roles in groups (policies/role_groups.py): the same diagnostics as reading each
role's documents one role at a time (their fallback when a value is not known yet), on every corpus file,
the stacks' previews and a stack of platform copies sharing names and ARNs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import policies.tvm_roles as tvm_roles
from bench.policies import synthetic_records as platform_copies
from preview.analysis import analyze
from preview.pack_config import PROJECT_PACK_CONFIG
from preview.state_files import read_state
from tests.support.harness import REPO, run_stack

CORPUS = sorted((REPO / "tests" / "policies" / "corpus").rglob("*.json"))
PROJECT_CONFIG = json.loads(PROJECT_PACK_CONFIG.read_text())
TVM_POLICIES = {"protected-role-trusts-only-tvm", "tvm-role-assume-scope", "tvm-protected-role-denies-tvm-resources"}


def both_ways(monkeypatch, records, pack_config=None, partial=False):
    grouped = analyze(records, pack_config, partial_input=partial)
    with monkeypatch.context() as patched:
        patched.setattr(tvm_roles, "grants_or_none", lambda roles, resources: None)
        by_role = analyze(records, pack_config, partial_input=partial)
    assert grouped == by_role
    return [v for v in grouped if v.policy in TVM_POLICIES]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_a_corpus_file(monkeypatch, path: Path):
    state = read_state(path)
    both_ways(monkeypatch, state.records, PROJECT_CONFIG, state.partial)


def test_every_rule_that_groups_roles_takes_the_fallback(monkeypatch):
    # both_ways compares nothing unless the patch reaches each rule: they must look it up on the module.
    callers = set()

    def none(roles, resources):
        callers.add(sys._getframe(1).f_globals["__name__"])

    monkeypatch.setattr(tvm_roles, "grants_or_none", none)
    analyze(run_stack("dev").records)
    assert callers == {"policies.rules.tvm", "policies.rules.tvm_guard"}


def test_the_dev_stack(monkeypatch):
    both_ways(monkeypatch, run_stack("dev").records)


def test_platform_copies(monkeypatch):
    both_ways(monkeypatch, platform_copies(300))


def test_copies_naming_their_roles_by_urn_alone(monkeypatch):
    # Each copy's guard and TVM policy name their role through the property dependency only, and one
    # copy lacks its guard: that copy's protected role alone is not denied the TVM's table.
    records = []
    for position, record in enumerate(platform_copies(200)):
        if record["urn"].endswith(("::protected-admin-guard", "::tvm-fn-policy")):
            if record["urn"].endswith("Copy2$aws:iam/rolePolicy:RolePolicy::protected-admin-guard"):
                continue
            record = {
                **record,
                **{k: {**record[k], "role": f"renamed-{position}"} for k in ("inputs", "outputs") if k in record},
            }
        records.append(record)
    found = both_ways(monkeypatch, records)
    assert [v.urn for v in found if v.policy == "tvm-protected-role-denies-tvm-resources"] == [
        "urn:pulumi:dev::iam-platform::iam-platform:bench:Copy2$aws:iam/role:Role::protected-admin"
    ]
