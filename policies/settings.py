"""A policy's settings: its config schema's defaults with the pack config on top.

The engine fills in schema defaults before it configures the pack, but pulumi-policy itself
does not, so a rule run any other way (a unit test, another engine) would see nothing.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from pulumi_policy import PolicyConfigSchema


def schema_defaults(schema: Optional[PolicyConfigSchema]) -> dict[str, Any]:
    if schema is None:
        return {}
    return {key: copy.deepcopy(spec["default"]) for key, spec in schema.properties.items() if "default" in spec}


def policy_settings(args: Any, schema: PolicyConfigSchema) -> dict[str, Any]:
    """``args`` is the ResourceValidationArgs or StackValidationArgs of the running policy."""
    return {**schema_defaults(schema), **dict(args.get_config())}
