"""Read Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECURE_PLACEHOLDER = "[secure value: not decrypted offline]"


class StackFileError(Exception):
    """The project or stack file is missing or unreadable."""


@dataclass(frozen=True)
class StackSettings:
    project: str
    stack: str
    config: dict[str, str]        # fully qualified key -> string value (structured as JSON)
    secure_keys: tuple[str, ...]  # keys holding a `secure:` value, replaced by a placeholder


def read_stack_settings(project_dir: Path, stack: str) -> StackSettings:
    project = _load_yaml(project_dir / "Pulumi.yaml").get("name")
    if not isinstance(project, str):
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: no project name")
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"unknown stack {stack!r}: no {stack_file.name} (stacks: {', '.join(known)})")
    raw = _load_yaml(stack_file).get("config") or {}
    if not isinstance(raw, dict):
        raise StackFileError(f"{stack_file.name}: `config` must be a mapping")
    config, secure = {}, []
    for key, value in raw.items():
        full_key = key if ":" in key else f"{project}:{key}"
        plain, had_secure = _strip_secure(value)
        config[full_key] = _as_config_string(plain)
        if had_secure:
            secure.append(full_key)
    return StackSettings(project, stack, config, tuple(sorted(secure)))


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise StackFileError(f"{path.name}: cannot read ({error.__class__.__name__})") from None
    return data if isinstance(data, dict) else {}


def _strip_secure(value: Any) -> tuple[Any, bool]:
    """Replace every ``{secure: ...}`` leaf with a placeholder; report whether any was found."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECURE_PLACEHOLDER, True
    if isinstance(value, dict):
        pairs = {k: _strip_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    """Pulumi passes scalars as strings and structured values as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
