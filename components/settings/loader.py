"""The one entry point for reading a stack's settings, and the one line per problem it reports."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from components.settings.base import PROJECT, PROJECT_DIR
from components.settings.stack import StackConfig

REGION_KEY = "aws:region"
# Namespaces a stack's config may use: the project's and those of the providers the program uses.
PROVIDER_NAMESPACES = ("aws", "pulumi", "random")


class StackConfigError(pulumi.RunError):
    """Bad stack settings: one line per problem. RunError prints without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack settings:\n" + "\n".join(problems))


def parse_stack_settings(
    stack: str,
    values: Mapping[str, Any],
    secret_keys: frozenset[str] = frozenset(),
    environ: Mapping[str, str] = os.environ,
    project: str = PROJECT,
    project_dir: Path = PROJECT_DIR,
) -> StackConfig:
    """Validate raw config values (fully qualified keys) into a StackConfig. ``project`` (the name
    in Pulumi.yaml) is the settings' namespace; ``rulesFile`` paths are relative to ``project_dir``."""
    sections = {key.split(":", 1)[1]: _decode(value) for key, value in values.items() if key.startswith(f"{project}:")}
    blocked = {"project", "stack", "region"} & sections.keys()
    problems = [f"{project}:{name}: is not a setting (it is derived from the stack)" for name in sorted(blocked)]
    problems += _namespace_problems(values, project)
    region = values.get(REGION_KEY) or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region is None:
        problems.append(f"{REGION_KEY}: is required (set it in Pulumi.{stack}.yaml)")
    if problems:
        raise StackConfigError(problems)
    try:
        return StackConfig.model_validate(
            {**sections, "project": project, "stack": stack, "region": region},
            context={"stack": stack, "project_dir": project_dir},
        )
    except ValidationError as error:
        raise StackConfigError([_describe(e, secret_keys, project) for e in error.errors()]) from None


def _namespace_problems(values: Mapping[str, Any], project: str) -> list[str]:
    """A key under a namespace nobody reads (``iam-platfrom:jwks``) would be ignored without a word."""
    allowed = (project, *PROVIDER_NAMESPACES)
    return [
        f"{key}: unknown namespace {key.split(':', 1)[0]!r} (allowed: {', '.join(allowed)}; check the spelling)"
        for key in sorted(values)
        if key.split(":", 1)[0] not in allowed
    ]


def load_stack_config() -> StackConfig:
    """Read the running stack's configuration once, validated."""
    values = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    secrets = frozenset(k for k in values if pulumi.runtime.config.is_config_secret(k))
    return parse_stack_settings(
        pulumi.get_stack(), values, secrets, project=pulumi.get_project(), project_dir=_running_project_dir()
    )


def _running_project_dir() -> Path:
    """Where Pulumi.yaml of the running program is: the engine's root directory, else the working
    directory (the CLI runs programs there), else this code's own project."""
    candidates = [pulumi.get_root_directory(), os.getcwd()]
    return next((Path(c) for c in candidates if c and (Path(c) / "Pulumi.yaml").is_file()), PROJECT_DIR)


def _decode(value: Any) -> Any:
    """Structured values arrive as JSON strings; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _describe(error: Mapping[str, Any], secret_keys: frozenset[str], project: str) -> str:
    # An unknown key is reported as the user spelled it; known fields by their alias.
    key = _config_key(error["loc"], project, as_written=error["type"] == "extra_forbidden")
    section_key = key.split(".", 1)[0]
    value = "[secret]" if section_key in secret_keys else _short(error.get("input"))
    rule = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        rule = "unknown setting (check the spelling)"
    return f"{key} = {value}: {rule}"


def _config_key(loc: tuple[Any, ...], project: str, as_written: bool) -> str:
    if loc == ("region",):
        return REGION_KEY
    name = (lambda part: part) if as_written else to_camel
    key = f"{project}:{name(loc[0])}"
    for part in loc[1:]:
        key += f"[{part}]" if isinstance(part, int) else f".{name(part)}"
    return key


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
