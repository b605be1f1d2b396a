"""Read resources from the files users have: `pulumi stack export` (version 3), a DIY backend's
checkpoint (what a file or S3 backend stores), or `pulumi preview --json`.

Every file is checked before it is read: a document that is neither, or whose resources are not
resource states, is a ``StateFileError`` naming the file and the first problem. Resources the
stack only reads (``external`` in an export, ``read`` steps in a preview) are set apart: the pack
judges what the stack manages. A preview without ``--show-sames`` lacks the unchanged resources:
it is marked partial.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from preview.state_shape import describe, state_problem

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
PREVIEW_SECRET = "[secret]"  # how `pulumi preview --json` prints a secret value

RECORD_FIELDS = (
    "type",
    "urn",
    "custom",
    "id",
    "inputs",
    "outputs",
    "parent",
    "dependencies",
    "propertyDependencies",
    "provider",
    "protect",
)

# Preview step operations, by what they leave in the stack (pulumi/sdk/go/common/apitype/core.go OpType).
MANAGED_OPS = frozenset(
    {"same", "create", "update", "replace", "create-replacement", "import", "import-replacement", "refresh"}
)
READ_OPS = frozenset({"read", "read-replacement"})
GONE_OPS = frozenset({"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"})


class StateFileError(Exception):
    """The file is unreadable or not a stack export / checkpoint / preview document."""


class _BadSecret(ValueError):
    """A revealed secret whose plaintext is not the JSON Pulumi writes."""


@dataclass(frozen=True)
class StateFile:
    kind: str  # "stack export" | "checkpoint" | "preview"
    records: list[dict[str, Any]]  # the resources the stack manages: what the pack judges
    reads: list[str]  # URNs of resources the stack only reads, not judged
    unchanged_missing: int = 0  # a preview without --show-sames: unchanged resources not in the file

    @property
    def partial(self) -> bool:
        return self.unchanged_missing > 0


def read_state_file(path: Path) -> list[dict[str, Any]]:
    return read_state(path).records


def read_state(path: Path) -> StateFile:
    try:
        return _read(path, _load_json(path))
    except _BadSecret:
        raise StateFileError(f"{path}: a secret's plaintext (exported with --show-secrets) is not JSON") from None


def _read(path: Path, document: Any) -> StateFile:
    if not isinstance(document, dict):
        raise StateFileError(f"{path}: the document is {describe(document)}, not a JSON object")
    if "deployment" in document:
        return _from_deployment(path, document, "deployment", "stack export")
    if "checkpoint" in document:
        return _from_deployment(path, document, "checkpoint", "checkpoint")
    if "steps" in document:
        return _from_preview(path, document)
    raise StateFileError(
        f"{path}: neither a `pulumi stack export`, a backend checkpoint nor a "
        "`pulumi preview --json` document (no deployment, checkpoint or steps)"
    )


def _load_json(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise StateFileError(f"{path}: cannot read ({error.strerror or error.__class__.__name__})") from None
    except UnicodeDecodeError as error:
        raise StateFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise StateFileError(f"{path}: not JSON (nested too deeply)") from None
    except ValueError as error:
        raise StateFileError(
            f"{path}: not JSON ({getattr(error, 'msg', error)} at line "
            f"{getattr(error, 'lineno', '?')} column {getattr(error, 'colno', '?')})"
        ) from None


def _from_deployment(path: Path, document: dict[str, Any], key: str, kind: str) -> StateFile:
    if document.get("version") != 3:
        raise StateFileError(f"{path}: {kind} version {document.get('version')!r} (expected 3)")
    where = key
    deployment = document[key]
    if key == "checkpoint":  # {"version": 3, "checkpoint": {"stack": ..., "latest": <deployment>}}
        if not isinstance(deployment, dict):
            raise StateFileError(f"{path}: checkpoint is {describe(deployment)}, not an object")
        where, deployment = "checkpoint.latest", deployment.get("latest")
        if deployment is None:  # a stack that was never deployed
            return StateFile(kind, [], [])
    if not isinstance(deployment, dict):
        raise StateFileError(f"{path}: {where} is {describe(deployment)}, not an object")
    resources = deployment.get("resources", [])  # Pulumi omits the key for an empty stack
    if not isinstance(resources, list):
        raise StateFileError(f"{path}: {where}.resources is {describe(resources)}, not an array")
    states = [_checked(path, state, f"{where}.resources[{i}]") for i, state in enumerate(resources)]
    current = [s for s in states if not s.get("delete")]  # `delete`: pending deletion, replaced already
    _refuse_duplicates(path, current)
    return StateFile(
        kind, [to_record(s) for s in current if not s.get("external")], [s["urn"] for s in current if s.get("external")]
    )


def _from_preview(path: Path, document: dict[str, Any]) -> StateFile:
    steps = document["steps"]
    if not isinstance(steps, list):
        raise StateFileError(f"{path}: steps is {describe(steps)}, not an array")
    managed: dict[str, dict[str, Any]] = {}
    reads: dict[str, None] = {}
    for i, step in enumerate(steps):
        op = _step_op(path, step, i)
        if op in GONE_OPS:
            continue
        state = _checked(path, step.get("newState"), f"steps[{i}].newState")
        # A planned resource has no outputs yet: the engine's preview judges its inputs.
        outputs = state.get("outputs") if state.get("outputs") is not None else state.get("inputs")
        state = {**state, "inputs": _unmask(state.get("inputs")), "outputs": _unmask(outputs)}
        if op in READ_OPS:
            reads[state["urn"]] = None
        else:  # --show-replacement-steps gives a create-replacement and a replace step for one URN
            managed[state["urn"]] = state
    records = [to_record(s) for urn, s in managed.items() if urn not in reads]
    return StateFile("preview", records, list(reads), _unchanged_missing(path, document, steps))


def _step_op(path: Path, step: Any, index: int) -> str:
    if not isinstance(step, dict):
        raise StateFileError(f"{path}: steps[{index}] is {describe(step)}, not an object")
    op = step.get("op")
    if op not in MANAGED_OPS | READ_OPS | GONE_OPS:
        raise StateFileError(f"{path}: steps[{index}].op is {op!r}, not a `pulumi preview` step operation")
    return op


def _unchanged_missing(path: Path, document: dict[str, Any], steps: list[dict[str, Any]]) -> int:
    """How many unchanged resources the file leaves out: `pulumi preview --json` lists `same` steps
    only with --show-sames, while its changeSummary counts them always."""
    listed = sum(1 for step in steps if step["op"] == "same")
    summary = document.get("changeSummary")
    if summary is None:
        return 0 if listed else 1  # no summary to count with: without `same` steps, assume some are missing
    if not isinstance(summary, dict) or not isinstance(summary.get("same", 0), int):
        raise StateFileError(f"{path}: changeSummary is not an object of step counts")
    return max(0, summary.get("same", 0) - listed)


def _checked(path: Path, state: Any, where: str) -> dict[str, Any]:
    problem = state_problem(state, where)
    if problem:
        raise StateFileError(f"{path}: {problem}")
    return state


def _refuse_duplicates(path: Path, states: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for state in states:
        if state["urn"] in seen:
            raise StateFileError(f"{path}: resource {state['urn']} appears twice")
        seen.add(state["urn"])


def _unmask(value: Any) -> Any:
    """A value `pulumi preview --json` prints as "[secret]" is unknown to the pack, not a string."""
    if value == PREVIEW_SECRET:
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _unmask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmask(v) for v in value]
    return value


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
        if not isinstance(plaintext, str):
            return UNKNOWN
        try:
            return reveal(json.loads(plaintext))
        except ValueError:
            raise _BadSecret() from None
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value
