"""The shape of one resource state in a stack export or a preview step, checked before it is read.

Each check answers the first problem it finds as ``"<where> is <what>, not <expected>"``, where
``where`` is the JSON path in the file (``deployment.resources[3].inputs``), so one line can
tell the user what to look at.
"""

from __future__ import annotations

from typing import Any

# field -> (JSON type name, check); absent or null optional fields are allowed, as Pulumi omits them.
_OPTIONAL = {
    "inputs": ("an object", lambda v: isinstance(v, dict)),
    "outputs": ("an object", lambda v: isinstance(v, dict)),
    "parent": ("a string", lambda v: isinstance(v, str)),
    "provider": ("a string", lambda v: isinstance(v, str)),
    "id": ("a string", lambda v: isinstance(v, str)),
    "custom": ("a boolean", lambda v: isinstance(v, bool)),
    "external": ("a boolean", lambda v: isinstance(v, bool)),
    "delete": ("a boolean", lambda v: isinstance(v, bool)),
    "protect": ("a boolean", lambda v: isinstance(v, bool)),
    "dependencies": ("a list of URNs", lambda v: isinstance(v, list) and all(isinstance(u, str) for u in v)),
    "propertyDependencies": (
        "an object of URN lists",
        lambda v: (
            isinstance(v, dict)
            and all(isinstance(urns, list) and all(isinstance(u, str) for u in urns) for urns in v.values())
        ),
    ),
}


def describe(value: Any) -> str:
    """A JSON value's kind, as a user reading the file would name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def state_problem(state: Any, where: str) -> str | None:
    """What is wrong with one resource state, or None."""
    if not isinstance(state, dict):
        return f"{where} is {describe(state)}, not an object"
    for field in ("urn", "type"):
        if not isinstance(state.get(field), str) or not state[field]:
            return f"{where}.{field} is {describe(state.get(field))}, not a non-empty string"
    if not state["urn"].startswith("urn:pulumi:") or state["urn"].count("::") < 3:
        return f"{where}.urn {state['urn']!r} is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)"
    for field, (expected, valid) in _OPTIONAL.items():
        value = state.get(field)
        if value is not None and not valid(value):
            return f"{where}.{field} is {describe(value)}, not {expected}"
    return None
