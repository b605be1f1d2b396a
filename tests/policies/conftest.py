"""Hand-built resource records, shaped like the preview recorder's and a stack export's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.records import URN_PREFIX, make_record  # noqa: F401 - the fixtures below hand them out


@pytest.fixture
def record() -> Callable[..., dict[str, Any]]:
    return make_record


@pytest.fixture
def trust_policy() -> Callable[..., str]:
    """``trust_policy(statement, ...)``: the JSON string an aws:iam/role:Role takes."""

    def build(*statements: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    return build
