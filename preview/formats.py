"""The report formats of ``python -m preview --format``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preview.junit import render_junit
from preview.report import render_json, render_text
from preview.sarif import render_sarif

_RENDERERS: dict[str, Callable[[Any], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
}
FORMATS = tuple(_RENDERERS)


def render(preview: Any, format_: str) -> str:
    return _RENDERERS[format_](preview)
