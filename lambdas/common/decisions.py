"""Decision lines: one JSON object per request, for the TVM's and the authorizer's audit trail.

Operational messages go through Powertools' ``Logger``; decisions do not, because its
formatter drops every field whose value is None, and a decision line documents all its
fields (docs/tvm.md, "Error codes"), null included. The line goes to stdout, which Lambda
sends to the function's log group.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

Writer = Callable[[str], Any]


def stdout(line: str) -> None:
    sys.stdout.write(line + "\n")  # looked up at each call: tests capture sys.stdout


def write_decision(record: Mapping[str, Any], write: Writer | None = None) -> None:
    """``record`` as one JSON line with sorted keys, to ``write`` (default: stdout)."""
    (write or stdout)(json.dumps(record, sort_keys=True))
