"""policies/README.md documents every policy of the pack with its level."""

import re
from pathlib import Path

from policies.pack import build_policies

README = (Path(__file__).resolve().parents[2] / "policies" / "README.md").read_text()


def test_one_table_row_per_policy_with_its_level():
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([MA])\b", README, re.MULTILINE))

    assert rows == {p.name: p.enforcement_level.value[0].upper() for p in build_policies()}


def test_the_count_matches_the_pack():
    assert f"{len(build_policies())} policies" in README
