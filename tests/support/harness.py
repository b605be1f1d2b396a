"""Run the real program under the preview's recording mocks and look into the graph."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from preview.recorder import ProgramRun, run_program
from preview.stack_files import read_stack_settings

REPO = Path(__file__).resolve().parents[2]


def stack_config(stack: str, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """The stack file's config, with whole sections replaced by ``overrides``."""
    config = dict(read_stack_settings(REPO, stack).config)
    for key, value in (overrides or {}).items():
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return config


def run_stack(stack: str = "dev", overrides: dict[str, Any] | None = None) -> ProgramRun:
    """A stack file as it is runs once per test process; each caller gets its own copy of the records."""
    if overrides:
        return run_program(REPO, "iam-platform", stack, stack_config(stack, overrides))
    if stack not in _AS_COMMITTED:
        _AS_COMMITTED[stack] = run_program(REPO, "iam-platform", stack, stack_config(stack))
    return copy.deepcopy(_AS_COMMITTED[stack])


_AS_COMMITTED: dict[str, ProgramRun] = {}


def one(run: ProgramRun, type_: str, name: str) -> dict[str, Any]:
    matches = [r for r in run.records if r["type"] == type_ and r["name"] == name]
    assert len(matches) == 1, f"expected one {type_} named {name}, found {len(matches)}"
    return matches[0]


def policy_of(record: dict[str, Any], key: str) -> dict[str, Any]:
    return json.loads(record["inputs"][key])
