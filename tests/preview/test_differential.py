"""The in-process pack (preview/shared_views.py, the caches in policies/) against the real analyzer subprocess
(`analyze(..., use_grpc=True)`, pulumi-policy's own servicer behind gRPC): the same diagnostics, in the same
order, on every corpus file, the three stacks and synthetic stacks. One analyzer subprocess serves the whole
module (each run sends GetAnalyzerInfo and a full Configure first, as the engine does).

    pytest -m analyzer        # only these
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

import preview.analysis as analysis
from bench.policies import synthetic_records as platform_copies
from bench.preview import synthetic_records as typed_shapes
from preview.analysis import analyze
from preview.pack_config import PROJECT_PACK_CONFIG
from preview.state_files import read_state
from preview.transports import DEFAULT_PACK_DIR, analyzer_subprocess
from tests.support.harness import REPO, run_stack

pytestmark = pytest.mark.analyzer

CORPUS = REPO / "tests" / "policies" / "corpus"
FIXTURES = REPO / "tests" / "preview" / "fixtures" / "outside"
PROJECT_CONFIG = json.loads(PROJECT_PACK_CONFIG.read_text())
# (file, pack config): the corpus runs with the project's config, as tests/policies/test_corpus.py does;
# the outside corpus and the real CLI output with the pack's own defaults.
STATE_FILES = (
    [(p, PROJECT_CONFIG) for p in sorted(CORPUS.glob("*.json"))]
    + [(p, None) for p in sorted((CORPUS / "outside").glob("*.json"))]
    + [(p, None) for p in sorted(FIXTURES.glob("*.json"))]
)


@pytest.fixture(scope="module")
def grpc_analyzer():
    with analyzer_subprocess(DEFAULT_PACK_DIR) as call:
        yield call


@pytest.fixture
def over_grpc(grpc_analyzer, monkeypatch):
    """``analyze(..., use_grpc=True)`` through the module's one analyzer subprocess."""

    @contextlib.contextmanager
    def running(_pack_dir: Path):
        yield grpc_analyzer

    monkeypatch.setattr(analysis, "analyzer_subprocess", running)

    def run(records: list[dict], pack_config=None, partial: bool = False):
        return analyze(records, pack_config, use_grpc=True, partial_input=partial)

    return run


def assert_same_diagnostics(over_grpc, records, pack_config=None, partial=False):
    in_process = analyze(records, pack_config, partial_input=partial)
    assert in_process == over_grpc(records, pack_config, partial)
    return in_process


@pytest.mark.parametrize("path, pack_config", STATE_FILES, ids=lambda v: v.stem if isinstance(v, Path) else "")
def test_a_state_file(over_grpc, path, pack_config):
    state = read_state(path)
    assert_same_diagnostics(over_grpc, state.records, pack_config, state.partial)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_stacks_records(over_grpc, stack):
    records = run_stack(stack).records
    assert_same_diagnostics(over_grpc, records, PROJECT_CONFIG)
    assert_same_diagnostics(over_grpc, records)  # the pack's defaults: some violations to compare


def test_a_synthetic_stack_of_platform_copies(over_grpc):
    found = assert_same_diagnostics(over_grpc, platform_copies(400))
    assert found  # the copies share names and ARNs: stack policies have something to say


def test_a_synthetic_stack_of_typed_shapes(over_grpc):
    assert_same_diagnostics(over_grpc, typed_shapes(60))


def test_a_document_seen_again_gets_the_same_findings(over_grpc):
    # Per-document caches: the same bad documents on twin resources, and again in a second run.
    records = read_state(CORPUS / "iam-policy-document-valid.json").records
    twins = [
        {**r, "urn": r["urn"] + "-twin", "name": r["name"] + "-twin"}
        for r in records
        if r["type"].startswith("aws:iam/")
    ]
    found = assert_same_diagnostics(over_grpc, records + twins)
    assert analyze(records + twins) == found
    assert {v.urn for v in found} & {t["urn"] for t in twins}
