"""The Node pack cache (tests/support/node_packs.py) never shows a half-written file to a worker running the pack."""

from __future__ import annotations

from tests.support.node_packs import _replace_if_changed


def test_an_unchanged_file_is_left_alone_and_a_changed_one_is_replaced_whole(tmp_path):
    source, target = tmp_path / "PulumiPolicy.yaml", tmp_path / "cache" / "PulumiPolicy.yaml"
    target.parent.mkdir()
    source.write_text("runtime: nodejs\n")
    _replace_if_changed(source, target)
    first = target.stat().st_ino
    _replace_if_changed(source, target)
    assert target.stat().st_ino == first  # not rewritten: a reader mid-read sees the same file
    source.write_text("runtime: nodejs\nversion: 2\n")
    _replace_if_changed(source, target)
    assert target.stat().st_ino != first  # a new file renamed over the old one, never truncated in place
    assert target.read_text() == "runtime: nodejs\nversion: 2\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["PulumiPolicy.yaml"]
