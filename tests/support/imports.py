"""Checks that importing some modules, in a fresh interpreter, leaves others unimported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def assert_imports_leave_out(modules: tuple[str, ...], absent: tuple[str, ...]) -> None:
    """Import ``modules`` in a new interpreter at the repository root; fail if any top-level
    package in ``absent`` was imported with them."""
    check = (
        f"import sys, {', '.join(modules)}; "
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & {set(absent)!r}); "
        "assert not loaded, f'imported {loaded}'"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
