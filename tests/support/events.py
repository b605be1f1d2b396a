"""The sample Lambda events in tests/lambdas/events/: each call returns a fresh copy for a test to change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "lambdas" / "events"


def load_event(name: str) -> dict[str, Any]:
    """``name`` is the file's stem, e.g. ``http_api_v2_iam``."""
    return json.loads((EVENTS / f"{name}.json").read_text())
