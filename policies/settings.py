"""A policy's settings: its config schema's defaults with the pack config on top.

The engine fills in schema defaults before it configures the pack, but pulumi-policy itself
does not, so a rule run any other way (a unit test, another engine) would see nothing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema


class PolicyConfigError(ValueError):
    """A setting the policy's config schema refuses, or an invalid pack config: the engine would not run the pack."""


def schema_defaults(schema: PolicyConfigSchema | None) -> dict[str, Any]:
    if schema is None:
        return {}
    return {key: copy.deepcopy(spec["default"]) for key, spec in schema.properties.items() if "default" in spec}


def policy_settings(args: Any, schema: PolicyConfigSchema) -> dict[str, Any]:
    """``args`` is the ResourceValidationArgs or StackValidationArgs of the running policy."""
    config = dict(args.get_config())
    # {**schema_defaults(schema), **config}, copying only the defaults the config leaves out
    settings = {
        key: config[key] if key in config else copy.deepcopy(spec["default"])
        for key, spec in (schema.properties if schema else {}).items()
        if "default" in spec
    }
    return {**settings, **config}


def config_errors(schema: PolicyConfigSchema | None, properties: Mapping[str, Any]) -> list[str]:
    """Problems of a policy's settings under its schema, as the engine would refuse them."""
    if schema is None:
        return []
    errors = [f"{key} is required" for key in schema.required or [] if key not in properties]
    for key, value in properties.items():
        if key in schema.properties:
            errors += [f"{key}{problem}" for problem in value_errors(value, schema.properties[key])]
    return errors


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer(),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def value_errors(value: Any, spec: Mapping[str, Any]) -> list[str]:
    """What is wrong with one setting under its JSON schema (the subset the pack's schemas use)."""
    types = spec.get("type")
    types = [types] if isinstance(types, str) else types or []
    if types and not any(_JSON_TYPES.get(t, lambda v: True)(value) for t in types):
        return [f" must be of type {'/'.join(types)}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f" must be one of {', '.join(map(str, spec['enum']))}, not {value!r}"]
    if "pattern" in spec and isinstance(value, str) and not re.search(spec["pattern"], value):
        return [f" must match {spec['pattern']}, not {value!r}"]
    if isinstance(value, str) and len(value) < spec.get("minLength", 0):
        minimum = spec["minLength"]
        return [" must not be empty" if minimum == 1 else f" must have at least {minimum} characters"]
    if _JSON_TYPES["number"](value):
        if "minimum" in spec and value < spec["minimum"]:
            return [f" must be at least {spec['minimum']:g}, not {value:g}"]
        if "maximum" in spec and value > spec["maximum"]:
            return [f" must be at most {spec['maximum']:g}, not {value:g}"]
    if isinstance(value, list) and "items" in spec:
        return [f"[{i}]{problem}" for i, item in enumerate(value) for problem in value_errors(item, spec["items"])]
    if isinstance(value, dict):
        errors = [f".{key} is required" for key in spec.get("required", []) if key not in value]
        for key, item in value.items():
            if key in spec.get("properties", {}):
                errors += [f".{key}{problem}" for problem in value_errors(item, spec["properties"][key])]
        return errors
    return []
