"""No module outside tests/ is above 350 lines (issue 17): the tracked *.py files, or, without git, the
tree's *.py files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 350
SKIPPED = {".venv", ".tools", "node_modules", ".git"}


def tracked_modules() -> list[Path] | None:
    """The *.py files git tracks, relative to ROOT; None when git or the repository is not there."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "*.py"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [Path(name) for name in listed.split("\0") if name]


def walked_modules() -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED]
        found += [Path(directory, name).relative_to(ROOT) for name in files if name.endswith(".py")]
    return found


def checked(modules: list[Path]) -> list[Path]:
    return sorted(m for m in modules if m.parts[0] != "tests" and not SKIPPED & set(m.parts) and (ROOT / m).is_file())


def line_count(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for _ in lines)


def test_no_module_outside_tests_is_above_the_limit():
    modules = checked(tracked_modules() or walked_modules())
    assert modules, f"no *.py file found under {ROOT}"
    sizes = {m: line_count(ROOT / m) for m in modules}
    offenders = [f"{m}: {n} lines" for m, n in sizes.items() if n > LIMIT]
    assert not offenders, f"modules above {LIMIT} lines (split them):\n" + "\n".join(offenders)


def test_the_walk_without_git_finds_every_tracked_module():
    tracked = tracked_modules()
    if tracked is None:
        pytest.skip("git is not available here")
    assert set(checked(tracked)) <= set(checked(walked_modules()))
