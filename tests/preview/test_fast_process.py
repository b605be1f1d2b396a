"""`python -m preview` with its fast process (gc off, no interpreter teardown) says exactly what the
ordinary process (PREVIEW_FAST_PROCESS=0) says: same report, same stderr, same exit code, files complete."""

import os
import subprocess
import sys

import pytest

from preview import fast_process
from tests.support.harness import REPO

CORPUS = REPO / "tests" / "policies" / "corpus"


def run_python(*argv: str, fast: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, fast_process.ENV_VAR: "1" if fast else "0"}
    env.pop("PYTHONUNBUFFERED", None)  # buffered, as a pipe is: the fast exit must flush what is left
    return subprocess.run(
        [sys.executable, *argv], check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def run_preview(*argv: str, fast: bool) -> subprocess.CompletedProcess:
    return run_python("-m", "preview", *argv, fast=fast)


def assert_same(argv: tuple[str, ...], expected_code: int) -> str:
    fast, ordinary = run_preview(*argv, fast=True), run_preview(*argv, fast=False)
    assert (fast.returncode, fast.stderr) == (ordinary.returncode, ordinary.stderr)
    assert fast.returncode == expected_code
    assert fast.stdout == ordinary.stdout
    return fast.stdout


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_stacks_json_report_is_the_same(stack):
    out = assert_same((stack, "--format", "json"), 0)
    assert out.rstrip().endswith("}") and '"passed": true' in out


def test_a_state_file_with_a_violation_exits_1_with_the_same_report():
    out = assert_same(("--state", str(CORPUS / "tvm-role-assume-scope.json"), "--format", "json"), 1)
    assert '"tvm-role-assume-scope"' in out


def test_a_text_report_of_a_preview_file_is_the_same():
    out = assert_same(("--state", str(REPO / "tests/preview/fixtures/outside/sample-preview-update.json")), 1)
    assert "Policy report" in out and out.rstrip().splitlines()[-1].startswith("FAILED")


def test_bad_input_still_exits_2_with_one_line(tmp_path):
    broken = tmp_path / "export.json"
    broken.write_text("{not json")
    assert_same(("--state", str(broken)), 2)
    assert_same(("no-such-stack",), 2)


def test_the_graph_file_is_complete_before_the_process_ends(tmp_path):
    fast, ordinary = tmp_path / "fast.dot", tmp_path / "ordinary.dot"
    assert run_preview("dev", "--graph", str(fast), fast=True).returncode == 0
    assert run_preview("dev", "--graph", str(ordinary), fast=False).returncode == 0
    assert fast.read_text() == ordinary.read_text() and fast.read_text().endswith("}\n")


def test_the_switch_reads_0_as_off():
    assert fast_process.enabled({}) and fast_process.enabled({fast_process.ENV_VAR: "1"})
    assert not fast_process.enabled({fast_process.ENV_VAR: "0"})


def test_a_stdout_that_cannot_be_flushed_exits_120_as_interpreter_exit_does():
    code = (
        "import os, sys; from preview import fast_process; sys.stdout.write('x'); os.close(1); fast_process.finish(0)"
    )
    fast, ordinary = run_python("-c", code, fast=True), run_python("-c", code, fast=False)
    assert fast.returncode == ordinary.returncode == 120


@pytest.mark.parametrize("fast", [True, False])
def test_a_reader_that_closes_the_pipe_gets_exit_120_and_no_traceback(fast):
    env = {**os.environ, fast_process.ENV_VAR: "1" if fast else "0"}
    state = CORPUS / "tvm-role-assume-scope.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "preview", "--state", str(state), "--format", "json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # long before the report is written: `| head -c0`
    _, stderr = process.communicate(timeout=300)
    assert (process.returncode, stderr.decode()) == (120, "")
