"""Hand-built resource records, shaped like the preview recorder's and a stack export's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

URN_PREFIX = "urn:pulumi:dev::iam-platform::"


def make_record(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A custom resource at the top of the stack; outputs default to a copy of the inputs."""
    inputs = inputs or {}
    return {
        "type": type_,
        "urn": f"{URN_PREFIX}{type_}::{name}",
        "name": name,
        "custom": True,
        "inputs": inputs,
        "outputs": dict(inputs) if outputs is None else outputs,
        "parent": "",
        "dependencies": [],
        "propertyDependencies": {},
        "provider": "",
        "protect": False,
        **fields,
    }


@pytest.fixture
def record() -> Callable[..., dict[str, Any]]:
    return make_record


@pytest.fixture
def trust_policy() -> Callable[..., str]:
    """``trust_policy(statement, ...)``: the JSON string an aws:iam/role:Role takes."""

    def build(*statements: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    return build
