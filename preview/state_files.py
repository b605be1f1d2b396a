"""Read resources from `pulumi stack export` (version 3) or `pulumi preview --json` files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"

RECORD_FIELDS = ("type", "urn", "custom", "id", "inputs", "outputs", "parent", "dependencies",
                 "propertyDependencies", "provider", "protect")


class StateFileError(Exception):
    """The file is unreadable or not a stack export / preview document."""


def read_state_file(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise StateFileError(f"{path}: cannot read ({error.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise StateFileError(f"{path}: not a JSON object")
    if "deployment" in document:
        return _from_export(path, document)
    if "steps" in document:
        return _from_preview(document)
    raise StateFileError(f"{path}: neither a `pulumi stack export` nor a `pulumi preview --json` document")


def _from_export(path: Path, document: dict[str, Any]) -> list[dict[str, Any]]:
    if document.get("version") != 3:
        raise StateFileError(f"{path}: stack export version {document.get('version')!r} (expected 3)")
    resources = (document.get("deployment") or {}).get("resources") or []
    return [to_record(r) for r in resources if isinstance(r, dict) and not r.get("delete")]


def _from_preview(document: dict[str, Any]) -> list[dict[str, Any]]:
    states = [step.get("newState") for step in document["steps"] if step.get("op") != "delete"]
    return [to_record(s) for s in states if isinstance(s, dict)]


def to_record(resource: dict[str, Any]) -> dict[str, Any]:
    record = {field: resource.get(field) for field in RECORD_FIELDS}
    record.update(
        name=str(resource.get("urn", "")).rsplit("::", 1)[-1],
        custom=bool(resource.get("custom")),
        inputs=reveal(resource.get("inputs") or {}),
        outputs=reveal(resource.get("outputs") or {}),
        parent=resource.get("parent") or "",
        dependencies=list(resource.get("dependencies") or []),
        propertyDependencies=dict(resource.get("propertyDependencies") or {}),
        provider=resource.get("provider") or "",
        protect=bool(resource.get("protect")),
    )
    return record


def reveal(value: Any) -> Any:
    """A secret exported with --show-secrets becomes its value; an encrypted one, unknown."""
    if isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE:
        plaintext = value.get("plaintext")
        return reveal(json.loads(plaintext)) if isinstance(plaintext, str) else UNKNOWN
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value
