"""Analyze answers computed ahead (preview/analysis_ahead.py) change no verdict, and are used only for the
very request they answered."""

from __future__ import annotations

from preview import gate, packs
from preview.analysis_ahead import AnalyzeAhead
from preview.pack_config import PROJECT_PACK_CONFIG
from tests.support.harness import run_stack


def _project_config() -> list[dict | None]:
    from preview.__main__ import _read_pack_config

    return gate.pair_configs(gate.pack_dirs(None), [], _read_pack_config(PROJECT_PACK_CONFIG))


def _verdicts(runs: list[packs.PackRun]) -> list[tuple[str, str, str, str]]:
    return [(v.policy, v.level, v.urn, v.message) for run in runs for v in run.violations]


def test_answers_ahead_give_the_same_verdicts_and_answer_every_resource(monkeypatch) -> None:
    records, ours, configs = run_stack("dev").records, gate.pack_dirs(None), _project_config()
    ahead = AnalyzeAhead(configs[0])
    for record in _as_registered(records):
        ahead.offer(record)
    sent = []
    monkeypatch.setattr(packs, "_answered_first", _recording(packs._answered_first, sent))
    with_answers = packs.judge(records, ours, configs, answered=ahead.answered)
    assert _verdicts(with_answers) == _verdicts(packs.judge(records, ours, configs))
    assert sent == []  # every Analyze was answered ahead
    ahead.close()


def test_an_answer_is_used_for_its_own_request_only() -> None:
    records, ours, configs = run_stack("staging").records, gate.pack_dirs(None), _project_config()
    emptied = [{**record, "inputs": {}} for record in records]  # no encryption, no rotation, ...
    ahead = AnalyzeAhead(configs[0])
    for record in _as_registered(emptied):
        ahead.offer(record)  # answers for resources that are not the ones judged
    judged = _verdicts(packs.judge(records, ours, configs))
    assert _verdicts(packs.judge(emptied, ours, configs)) != judged
    assert _verdicts(packs.judge(records, ours, configs, answered=ahead.answered)) == judged
    ahead.close()


def _as_registered(records: list[dict]) -> list[dict]:
    """The program registers a provider before the resources that use it; the run's records are sorted by URN."""
    return sorted(records, key=lambda record: not record["type"].startswith("pulumi:providers:"))


def _recording(answered_first, sent):
    def wrap(call, answered):
        inner = answered_first(call, answered)

        def answer(method, request):
            if method == "Analyze" and request.SerializeToString(deterministic=True) not in answered:
                sent.append(request.urn)
            return inner(method, request)

        return answer

    return wrap
