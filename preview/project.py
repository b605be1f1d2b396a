"""Any Python Pulumi program, previewed offline: ``python -m preview --project DIR [STACK]``.

The project's Pulumi.yaml gives its name (the namespace of its own config keys), its runtime and
its ``main``; Pulumi.<stack>.yaml its config, read as for this repository's stacks. The program
runs under the recording mocks in a child process of the project's own interpreter (Pulumi.yaml
``runtime.options.virtualenv``, or ``toolchain: uv``'s .venv), so its dependencies are its own;
the child imports only the ``preview`` package from here (it needs pulumi and PyYAML, which every
Python Pulumi program has), put on its path through a one-entry directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preview.stack_files import StackFileError, StackSettings, load_yaml, read_stack_settings

ENGINE_PACKAGE = Path(__file__).resolve().parent
_RUN_TIMEOUT_SECONDS = 600


class ProjectError(Exception):
    """The project cannot be previewed; one line per problem."""


@dataclass(frozen=True)
class Project:
    path: Path
    name: str
    main: Path  # the program file
    interpreter: Path | None = None  # None: this interpreter
    defaults: Mapping[str, str] = field(default_factory=dict)  # Pulumi.yaml `config:` values, fully qualified


@dataclass(frozen=True)
class ProjectRun:
    records: list[dict[str, Any]]
    outputs: dict[str, Any]
    settings: StackSettings


def read_project(path: Path) -> Project:
    if not path.is_dir():
        raise ProjectError(f"{path}: --project needs a Pulumi project directory")
    if not (path / "Pulumi.yaml").is_file():
        raise ProjectError(f"{path}: not a Pulumi project (no Pulumi.yaml)")
    try:
        document = load_yaml(path / "Pulumi.yaml")
    except StackFileError as error:
        raise ProjectError(f"{path}: {error}") from None
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{path / 'Pulumi.yaml'}: no project name")
    runtime = document.get("runtime")
    runtime_name, options = (
        (runtime.get("name"), runtime.get("options") or {}) if isinstance(runtime, dict) else (runtime, {})
    )
    if runtime_name != "python":
        raise ProjectError(f"{path / 'Pulumi.yaml'}: runtime {runtime_name!r}; --project runs Python programs")
    return Project(
        path.resolve(),
        name,
        _main(path, document.get("main")),
        _interpreter(path, options),
        _config_defaults(path, name, document.get("config")),
    )


def _main(path: Path, main: Any) -> Path:
    program = path / str(main) if main else path
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise ProjectError(f"{path / 'Pulumi.yaml'}: no program at {program.relative_to(path)}")
    return program.resolve()


def _interpreter(path: Path, options: Any) -> Path | None:
    if not isinstance(options, dict):
        return None
    venv = options.get("virtualenv") or (".venv" if options.get("toolchain") == "uv" else None)
    if options.get("toolchain") == "poetry" and not venv:
        raise ProjectError(
            f"{path / 'Pulumi.yaml'}: toolchain poetry: give runtime.options.virtualenv "
            "(poetry env info --path) so the preview can find its interpreter"
        )
    if not venv:
        return None
    python = virtualenv_python(path, venv)
    if python is None:
        raise ProjectError(
            f"{path / 'Pulumi.yaml'}: virtualenv {venv} has no bin/python; create it and "
            "install the program's requirements into it (python -m venv, pip install -r "
            "requirements.txt, or uv sync)"
        )
    return python.absolute()


def virtualenv_python(folder: Path, venv: object) -> Path | None:
    """``folder/<venv>/bin/python``, or None when that virtualenv has none."""
    python = folder / str(venv) / "bin" / "python"
    return python if python.exists() else None


def _config_defaults(path: Path, name: str, config: Any) -> dict[str, str]:
    """Pulumi.yaml ``config: {key: value | {default: v} | {value: v}}``; the stack file wins."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ProjectError(f"{path / 'Pulumi.yaml'}: `config` must be a mapping")
    defaults = {}
    for key, spec in config.items():
        value = spec.get("value", spec.get("default")) if isinstance(spec, dict) else spec
        if value is not None:
            full_key = key if ":" in str(key) else f"{name}:{key}"
            defaults[full_key] = value if isinstance(value, str) else json.dumps(value)
    return defaults


def run_project(project: Project, stack: str) -> ProjectRun:
    try:
        settings = read_stack_settings(project.path, stack)
    except StackFileError as error:
        raise ProjectError(f"{project.path}: {error}") from None
    config = {**project.defaults, **settings.config}
    request = {
        "project_dir": str(project.path),
        "main": str(project.main),
        "project": project.name,
        "stack": stack,
        "config": config,
        "secret_keys": list(settings.secure_keys),
    }
    document = _run_child(project, request)
    return ProjectRun(document["records"], document["outputs"], settings)


def _run_child(project: Project, request: dict[str, Any]) -> dict[str, Any]:
    python = str(project.interpreter or sys.executable)
    with tempfile.TemporaryDirectory(prefix="preview-project-") as scratch:
        (Path(scratch) / "preview").symlink_to(ENGINE_PACKAGE, target_is_directory=True)
        result_file = Path(scratch) / "run.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [scratch, os.environ.get("PYTHONPATH")]))}
        try:
            child = subprocess.run(
                [python, "-m", "preview.program_host", str(result_file)],
                input=json.dumps(request),
                cwd=project.main.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=_RUN_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise ProjectError(f"{project.main}: the program ran over {_RUN_TIMEOUT_SECONDS} s") from None
        if child.returncode != 0 or not result_file.exists():
            raise ProjectError(f"{project.main}: {_last_line(child.stderr) or f'exit status {child.returncode}'}")
        return json.loads(result_file.read_text())


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
