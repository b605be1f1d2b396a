"""What ``--project`` and ``--pack`` add to ``python -m preview``: another team's program as the
input, any CrossGuard packs as the judges, each with the ``--pack-config`` given in the same position."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from preview.packs import PackDir, PackError, read_pack
from preview.project import ProjectError, read_project, run_project
from preview.transports import DEFAULT_PACK_DIR

__all__ = ["PackError", "ProjectError", "pack_dirs", "pair_configs", "project_input"]


def pack_dirs(paths: Sequence[Path] | None) -> list[PackDir]:
    """The ``--pack`` directories in order; our pack when none is given."""
    return [read_pack(Path(path)) for path in (paths or [DEFAULT_PACK_DIR])]


def pair_configs(packs: Sequence[PackDir], configs: Sequence[dict | None], default: dict | None) -> list[dict | None]:
    """The i-th ``--pack-config`` goes with the i-th pack, as the Pulumi CLI pairs them; without any,
    ``default`` (this repository's stack exemptions) goes with our own pack."""
    if len(configs) > len(packs):
        raise PackError(
            f"{len(configs)} --pack-config files for {len(packs)} pack(s): give at most one per "
            "--pack, in the same order"
        )
    if not configs:
        return [default if pack.path == DEFAULT_PACK_DIR else None for pack in packs]
    return list(configs) + [None] * (len(packs) - len(configs))


def project_input(path: Path, stack: str) -> tuple[list[dict[str, Any]], dict[str, Any], str, list[str], Path]:
    """records, outputs, source, notes and the program file, for another project's program."""
    project = read_project(path)
    run = run_project(project, stack)
    interpreter = str(project.interpreter) if project.interpreter else "this interpreter"
    notes = [f"ran {project.main.name} of project {project.name} with {interpreter}"]
    notes += [f"{key} holds a secure value; the preview used a placeholder" for key in run.settings.secure_keys]
    return run.records, run.outputs, f"project {project.name} stack {stack} ({path})", notes, project.main
