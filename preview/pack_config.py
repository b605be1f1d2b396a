"""The pack's configuration, reconciled as the engine does: each policy's schema defaults,
then the pack's initial config, then a ``--policy-pack-config`` document, validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2 as pb

from policies.schemas import PARTIAL_INPUT
from policies.settings import PolicyConfigError, value_errors

# The pack config this project's stacks ship (what `pulumi up --policy-pack-config` is given): the
# exemptions that belong to these stacks, never to the pack's defaults.
PROJECT_PACK_CONFIG = Path(__file__).resolve().parent.parent / "policy-pack-config.json"

LEVEL_NAMES = {pb.ADVISORY: "advisory", pb.MANDATORY: "mandatory", pb.REMEDIATE: "remediate", pb.DISABLED: "disabled"}
_LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}


@dataclass(frozen=True)
class _PolicyConfig:
    level: str | None
    properties: dict[str, Any] = field(default_factory=dict)


def configure_request(
    info: pb.AnalyzerInfo, pack_config: Mapping[str, Any], partial_input: bool = False
) -> pb.ConfigureAnalyzerRequest:
    """``partial_input``: the resources lack the unchanged ones; every policy that has the
    ``partialInput`` setting is told so, whatever the pack config says."""
    request = pb.ConfigureAnalyzerRequest()
    takes_partial = {p.name for p in info.policies if PARTIAL_INPUT in _schema_keys(p)}
    for name, config in _reconcile(info, pack_config).items():
        if partial_input and name in takes_partial:
            config = _PolicyConfig(config.level, {**config.properties, PARTIAL_INPUT: True})
        if config.level not in _LEVEL_VALUES:
            raise PolicyConfigError(f'"{name}": no valid enforcement level')
        request.policyConfig[name].enforcementLevel = _LEVEL_VALUES[config.level]
        # The engine always sends a properties Struct; the Node SDK crashes on a missing one.
        request.policyConfig[name].properties.SetInParent()
        request.policyConfig[name].properties.update(config.properties)
    return request


def _reconcile(info: pb.AnalyzerInfo, pack_config: Mapping[str, Any]) -> dict[str, _PolicyConfig]:
    result = {p.name: _PolicyConfig(LEVEL_NAMES[p.enforcementLevel], _schema_defaults(p)) for p in info.policies}
    initial = {
        name: _PolicyConfig(LEVEL_NAMES[c.enforcementLevel], json_format.MessageToDict(c.properties))
        for name, c in info.initialConfig.items()
    }
    result = _apply(result, initial)
    result = _apply(result, _parse_pack_config(pack_config))
    errors = [error for policy in info.policies for error in _config_errors(policy, result[policy.name].properties)]
    if errors:
        raise PolicyConfigError("invalid policy pack config: " + "; ".join(errors))
    return result


def _schema_keys(policy: pb.PolicyInfo) -> set[str]:
    return set(json_format.MessageToDict(policy.configSchema.properties))


def _schema_defaults(policy: pb.PolicyInfo) -> dict[str, Any]:
    schema = json_format.MessageToDict(policy.configSchema.properties)
    return {key: spec["default"] for key, spec in schema.items() if "default" in spec}


def _apply(result: dict[str, _PolicyConfig], given: Mapping[str, _PolicyConfig]) -> dict[str, _PolicyConfig]:
    result = dict(result)
    everything = given.get("all")
    if everything is not None and everything.level:
        result = {name: _PolicyConfig(everything.level, config.properties) for name, config in result.items()}
    for name, config in given.items():
        current = result.get(name, _PolicyConfig(None))
        result[name] = _PolicyConfig(config.level or current.level, {**current.properties, **config.properties})
    return result


def _parse_pack_config(pack_config: Mapping[str, Any]) -> dict[str, _PolicyConfig]:
    """``{"policy": "advisory"}`` or ``{"policy": {"enforcementLevel": ..., "setting": ...}}``."""
    parsed = {}
    for name, value in pack_config.items():
        if isinstance(value, str):
            level, properties = value, {}
        elif isinstance(value, Mapping):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
        else:
            raise PolicyConfigError(f'"{name}": must be an enforcement level or an object')
        if level is not None and level not in _LEVEL_VALUES:
            raise PolicyConfigError(f'"{name}": {level!r} is not a valid enforcement level')
        if level is not None or properties:
            parsed[name] = _PolicyConfig(level, properties)
    return parsed


def _config_errors(policy: pb.PolicyInfo, properties: Mapping[str, Any]) -> list[str]:
    """The engine validates with JSON Schema; this checks the subset the pack's schemas use."""
    schema = json_format.MessageToDict(policy.configSchema.properties)
    errors = [f"{policy.name}: {key} is required" for key in policy.configSchema.required if key not in properties]
    for key, value in properties.items():
        if key in schema:
            errors += [f"{policy.name}: {key}{problem}" for problem in value_errors(value, schema[key])]
    return errors
