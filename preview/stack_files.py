"""Read Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Shaped like an e-mail address, which also fits secret names, tag values and free text: the
# settings a secure value usually holds then validate offline as they would with the real value.
SECURE_PLACEHOLDER = "secure-value-not-decrypted@offline.invalid"


class StackFileError(Exception):
    """The project or stack file is missing or unreadable."""


@dataclass(frozen=True)
class StackSettings:
    project: str
    stack: str
    config: dict[str, str]  # fully qualified key -> string value (structured as JSON)
    secure_keys: tuple[str, ...]  # keys holding a `secure:` value, replaced by a placeholder
    # where each placeholder is: (fully qualified key, path inside its structured value)
    secure_paths: tuple[tuple[str, tuple[Any, ...]], ...] = ()


def read_stack_settings(project_dir: Path, stack: str) -> StackSettings:
    project = _load_yaml(project_dir / "Pulumi.yaml").get("name")
    if not isinstance(project, str):
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: no project name")
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"unknown stack {stack!r}: no {stack_file.name} (stacks: {', '.join(known)})")
    raw = _load_yaml(stack_file).get("config") or {}
    if not isinstance(raw, dict):
        raise StackFileError(f"{stack_file.name}: `config` must be a mapping")
    config, paths = {}, []
    for key, value in raw.items():
        if not isinstance(key, str):
            raise StackFileError(
                f"{stack_file.name}: config key {key!r} is {type(key).__name__}, not a string "
                f"(quote it, and give it a namespace: {project}:<key>)"
            )
        full_key = key if ":" in key else f"{project}:{key}"
        if full_key in config:
            raise StackFileError(f"{stack_file.name}: {key} and {full_key} are the same key, given twice")
        plain, secure_paths = _strip_secure(value)
        config[full_key] = _as_config_string(plain)
        paths += [(full_key, path) for path in secure_paths]
    secure = tuple(sorted({key for key, _ in paths}))
    return StackSettings(project, stack, config, secure, tuple(paths))


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping file read strictly (preview.project and preview.packs read theirs with it)."""
    return _load_yaml(path)


class _StrictLoader(yaml.SafeLoader):
    """Refuses a key given twice in one mapping, as the Pulumi CLI's YAML reader does."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key].line + 1})", key_node.start_mark
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_bytes().decode("utf-8"), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except OSError as error:
        raise StackFileError(f"{path.name}: cannot read ({error.strerror or type(error).__name__})") from None
    except UnicodeDecodeError as error:
        raise StackFileError(f"{path.name}: not UTF-8 text (byte {error.start})") from None
    except yaml.YAMLError as error:
        raise StackFileError(f"{path.name}: {_yaml_problem(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StackFileError(f"{path.name}: must be a YAML mapping (config: ...), not a {type(data).__name__}")
    return data


def _yaml_problem(error: yaml.YAMLError) -> str:
    """``line L column C: <problem>``, as far as the parser says where."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{' '.join(str(problem).split())}"


def _strip_secure(value: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    """Replace every ``{secure: ...}`` leaf with a placeholder; return where each one was."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECURE_PLACEHOLDER, [()]
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stripped = {k: _strip_secure(v) for k, v in items}
        plain = {k: v for k, (v, _) in stripped.items()}
        paths = [(k, *path) for k, (_, found) in stripped.items() for path in found]
        return (plain if isinstance(value, dict) else list(plain.values())), paths
    return value, []


def _as_config_string(value: Any) -> str:
    """Pulumi passes scalars as strings and structured values as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
