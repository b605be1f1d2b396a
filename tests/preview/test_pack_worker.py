"""The judging child of `python -m preview`: the same verdicts as judging in-process, its errors raised in
the parent, a child that died replaced by judging in-process, and nothing left behind when the preview
stops first. Each case forks from a fresh interpreter (never from pytest's, which has threads)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.preview.test_fast_process import assert_same
from tests.support.harness import REPO

STATE = REPO / "tests" / "policies" / "corpus" / "tvm-role-assume-scope.json"
RESOURCE_MISTAKE = REPO / "tests" / "policies" / "corpus" / "apigateway-method-requires-iam-auth.json"

SETUP = f"""
import json, os, signal, sys
from preview import gate, pack_worker
from preview.packs import judge
from preview.state_files import read_state
from pathlib import Path
records = read_state(Path({str(STATE)!r})).records
packs = gate.pack_dirs(None)
def verdicts(runs):
    return [[v.policy, v.level, v.urn, v.message, v.pack] for run in runs for v in run.violations]
"""


def run_script(body: str) -> subprocess.CompletedProcess[str]:
    code = SETUP + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_child_judges_as_the_parent_would() -> None:
    done = run_script("""
        worker = pack_worker.start()
        theirs = verdicts(worker.judge(records, packs, [None]))
        print(json.dumps({"same": theirs == verdicts(judge(records, packs, [None])), "count": len(theirs)}))
    """)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["same"] is True and result["count"] > 0


def test_a_child_killed_before_judging_is_replaced_by_judging_here() -> None:
    done = run_script("""
        worker = pack_worker.start()
        os.kill(worker._pid, signal.SIGKILL)
        theirs = verdicts(worker.judge(records, packs, [None]))
        print(json.dumps(theirs == verdicts(judge(records, packs, [None])) and len(theirs) > 0))
    """)
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr


def test_an_error_while_judging_in_the_child_is_raised_in_the_parent() -> None:
    done = run_script("""
        from preview.analysis import PolicyConfigError
        bad = {"tvm-role-assume-scope": {"tvmRoleTag": 7}}
        try:
            judge(records, packs, [bad])
        except PolicyConfigError as error:
            here = str(error)
        worker = pack_worker.start()
        try:
            worker.judge(records, packs, [bad])
        except PolicyConfigError as error:
            print(json.dumps(str(error) == here and bool(here)))
    """)
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr


def test_a_preview_that_stops_before_judging_leaves_no_child_and_no_second_copy_of_its_output() -> None:
    done = run_script("""
        sys.stdout.write("written before the fork;")
        worker = pack_worker.start()
        pid = worker._pid
        worker.close()
        try:
            os.kill(pid, 0)
            print("child still there")
        except ProcessLookupError:
            print("no child")
    """)
    assert (done.returncode, done.stdout) == (0, "written before the fork;no child\n"), done.stderr
    assert done.stderr == ""


def test_a_bad_pack_config_reads_the_same_with_and_without_the_child(tmp_path) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"apigatewayv2-route-requires-iam-auth": {"exemptRouteKeys": "not a list"}}))
    assert_same(("--state", str(STATE), "--pack-config", str(config)), 2)


def test_answers_prepared_for_another_config_are_not_used() -> None:
    done = run_script(
        """
        records = read_state(Path(RESOURCE_MISTAKE)).records  # a resource policy's mistake
        worker = pack_worker.start()
        loose = {"apigateway-method-requires-iam-auth": {"enforcementLevel": "disabled"}}
        worker.prepare(packs, [loose], use_grpc=False, partial_input=False)
        for record in sorted(records, key=lambda r: not r["type"].startswith("pulumi:providers:")):
            worker.offer(record)
        theirs = verdicts(worker.judge(records, packs, [None]))
        print(json.dumps(theirs == verdicts(judge(records, packs, [None])) and
                         theirs != verdicts(judge(records, packs, [loose])) and len(theirs) > 0))
    """.replace("RESOURCE_MISTAKE", repr(str(RESOURCE_MISTAKE)))
    )
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr


def test_the_child_answering_ahead_judges_as_the_parent_would() -> None:
    done = run_script("""
        worker = pack_worker.start()
        worker.prepare(packs, [None], use_grpc=False, partial_input=False)
        for record in sorted(records, key=lambda r: not r["type"].startswith("pulumi:providers:")):
            worker.offer(record)
        theirs = verdicts(worker.judge(records, packs, [None]))
        print(json.dumps(theirs == verdicts(judge(records, packs, [None])) and len(theirs) > 0))
    """)
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr


def test_a_record_that_cannot_be_sent_ahead_fails_nothing() -> None:
    done = run_script("""
        worker = pack_worker.start()
        worker.prepare(packs, [None], use_grpc=False, partial_input=False)
        worker.offer({"urn": "urn:pulumi:dev::p::aws:sqs/queue:Queue::q", "inputs": {"f": lambda: 0}})
        for record in sorted(records, key=lambda r: not r["type"].startswith("pulumi:providers:")):
            worker.offer(record)
        theirs = verdicts(worker.judge(records, packs, [None]))
        print(json.dumps(theirs == verdicts(judge(records, packs, [None])) and len(theirs) > 0))
    """)
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr
