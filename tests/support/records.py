"""Hand-built resource records, shaped like the preview recorder's and a stack export's."""

from __future__ import annotations

from typing import Any

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
