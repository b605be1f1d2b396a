"""The inputs the preview's tests share: a foreign Python program, a Python pack, and the arguments that
judge that program with that pack and ours."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOREIGN = REPO / "tests" / "preview" / "programs" / "foreign"
PYTHON_PACK = REPO / "tests" / "preview" / "packs" / "python"
OUR_PACK = REPO / "policies"


def foreign_with_both_packs(output_format: str) -> list[str]:
    """`python -m preview` arguments: the foreign program, judged by the Python pack and ours."""
    return ["--project", str(FOREIGN), "--pack", str(PYTHON_PACK), "--pack", str(OUR_PACK), "--format", output_format]
