"""Building blocks of the policies' config schemas (the JSON schema the engine checks settings against)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyConfigSchema


def string_list(default: list[str], description: str, **item: Any) -> dict[str, Any]:
    """A setting holding a list of strings; ``item`` constrains each string (``enum``, ``pattern``)."""
    return {"type": "array", "items": {"type": "string", **item}, "default": default, "description": description}


def exemptions_schema(what: str) -> dict[str, Any]:
    """The ``exemptions`` setting: resources a policy skips, each with the reason why."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "reason": {"type": "string", "minLength": 1},
            },
            "required": ["name", "reason"],
        },
        "default": [],
        "description": f'{what} this policy skips, each {{"name": ..., "reason": ...}}. A name matches '
        "a resource's logical name, or a physical name equal to it or auto-named from it "
        '(the name, "-", and Pulumi\'s 7-hex-digit suffix).',
    }


def exemptions_only_schema(what: str) -> PolicyConfigSchema:
    """The config schema of a policy whose only setting is its ``exemptions``."""
    return PolicyConfigSchema(properties={"exemptions": exemptions_schema(what)})


PARTIAL_INPUT = "partialInput"


def partial_input_schema() -> dict[str, Any]:
    """The ``partialInput`` setting of a stack policy that would otherwise conclude from an absent resource."""
    return {
        "type": "boolean",
        "default": False,
        "description": "The resources lack the stack's unchanged ones (a `pulumi preview --json` without "
        "--show-sames; `python -m preview` sets it): the policy then draws no conclusion "
        "from a resource that is absent.",
    }
