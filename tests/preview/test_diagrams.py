"""The pictures in docs/ are drawn from the program's records and kept in step with them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from preview import diagrams
from preview.diagrams import BEGIN, END, System, mermaid, with_block

SYSTEM = System("demo", "Demo", ("demo:Thing",))


def record(urn, type_, parent="", dependencies=(), custom=True):
    return {
        "urn": urn,
        "type": type_,
        "name": urn.rsplit("::", 1)[-1],
        "parent": parent,
        "dependencies": list(dependencies),
        "custom": custom,
    }


RECORDS = [
    record("urn:s::stack", "pulumi:pulumi:Stack", custom=False),
    record("urn:c::thing", "pkg:demo:Thing", parent="urn:s::stack", custom=False),
    record("urn:r::key", "aws:kms/key:Key", parent="urn:c::thing"),
    record("urn:r::secret", "aws:secretsmanager/secret:Secret", parent="urn:c::thing", dependencies=["urn:r::key"]),
    record("urn:r::elsewhere", "aws:s3/bucket:Bucket", parent="urn:s::stack"),
]


def test_a_component_becomes_a_subgraph_and_a_dependency_an_arrow():
    chart = mermaid(RECORDS, SYSTEM)
    assert 'subgraph n0["thing"]' in chart
    assert 'n1["key<br/>kms.Key"]' in chart and 'n2["secret<br/>secretsmanager.Secret"]' in chart
    assert "n1 --> n2" in chart
    assert "elsewhere" not in chart  # resources of other systems are left out


def test_the_block_between_the_markers_is_replaced_and_the_rest_kept():
    document = f"# Title\n\nprose\n\n{BEGIN}\nold\n{END}\n\nmore prose\n"
    updated = with_block(document, "new")
    assert updated == f"# Title\n\nprose\n\n{BEGIN}\nnew\n{END}\n\nmore prose\n"
    assert with_block("# Title\n", "new") == f"# Title\n\n{BEGIN}\nnew\n{END}\n"


def test_check_fails_on_a_stale_picture(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(diagrams, "DOCS_DIR", tmp_path)
    monkeypatch.setattr(diagrams, "PROJECT_DIR", tmp_path.parent)
    monkeypatch.setattr(diagrams, "SYSTEMS", (SYSTEM,))
    monkeypatch.setattr(diagrams, "stack_records", lambda stack: RECORDS)
    (tmp_path / "demo.md").write_text(f"# Demo\n\n{BEGIN}\nstale\n{END}\n")
    assert diagrams.main(["--check"]) == 1
    assert "demo.md: out of date; run make docs" in capsys.readouterr().err
    assert diagrams.main([]) == 0
    assert diagrams.main(["--check"]) == 0


def test_the_committed_pictures_match_the_dev_stack():
    done = subprocess.run(
        [sys.executable, "-m", "preview.diagrams", "--check"], cwd=diagrams.PROJECT_DIR, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_preview_that_cannot_run_is_one_error_naming_its_exit_and_reason():
    from preview.stack_command import records_of_a_preview_process

    with pytest.raises(RuntimeError, match=r"python -m preview no-such-stack exited 2: preview: .*no-such-stack"):
        records_of_a_preview_process("no-such-stack")
