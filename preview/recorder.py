"""Run the Pulumi program under recording mocks and collect every resource as a record.

A record has the shape of a resource in ``pulumi stack export``:
``{type, urn, name, custom, id, inputs, outputs, parent, dependencies, propertyDependencies,
provider, protect}``. Component tests and the offline preview share this harness.
"""

from __future__ import annotations

import contextlib
import functools
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from preview.fake_calls import fake_call
from preview.fake_outputs import fake_outputs
from preview.place import Place

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class ProgramRun:
    records: list[dict[str, Any]]
    outputs: dict[str, Any]

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["type"] == type_]

    def by_urn(self, urn: str) -> dict[str, Any]:
        return next(r for r in self.records if r["urn"] == urn)


class RecordingMocks(Mocks):
    def __init__(self, place: Place) -> None:
        self.place = place

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        resource_id, computed = fake_outputs(args.typ, args.name, _unwrapped(args.inputs), self.place)
        return resource_id, {**args.inputs, **computed}

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        return fake_call(args.token, args.args, self.place), []  # no check failures


class RecordingMonitor(MockMonitor):
    """Keeps what ``Mocks.new_resource`` never sees: parents, dependencies, the stack's outputs."""

    def __init__(self, mocks: Mocks, observer: Callable[[dict[str, Any]], None] | None = None) -> None:
        """``observer``: called with each record as it is registered (from the SDK's threads)."""
        super().__init__(mocks)
        self.observer = observer
        self.records: dict[str, dict[str, Any]] = {}  # by URN: set_mocks registers its own stack too
        self.stack_outputs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """As the engine does: a child's type is qualified by its parent's whole type chain."""
        qualified = type_
        if parent and f"::{STACK_TYPE}::" not in parent:
            qualified = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{qualified}::{name}"

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        registration = self.resources.get(response.urn)
        record = {
            "type": request.type,
            "urn": response.urn,
            "name": request.name,
            "custom": bool(request.custom),
            "id": response.id,
            "inputs": _unwrapped(rpc.deserialize_properties(request.object)),
            "outputs": _unwrapped(registration.state) if registration else {},
            "parent": request.parent,
            "dependencies": sorted(request.dependencies),
            "propertyDependencies": {k: sorted(v.urns) for k, v in request.propertyDependencies.items()},
            "provider": request.provider,
            "protect": bool(request.protect),
        }
        with self._lock:
            self.records[record["urn"]] = record
        if self.observer is not None:
            self.observer(record)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        if f"::{STACK_TYPE}::" in request.urn:
            self.stack_outputs = _unwrapped(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)


def run_program(
    project_dir: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str] = (),
    seed: str = "",
    main: Path | None = None,
    observer: Callable[[dict[str, Any]], None] | None = None,
) -> ProgramRun:
    """Run ``main`` (default ``project_dir/__main__.py``) once under mocks; the program's exceptions propagate.
    ``seed`` changes what random resources return (a destroyed and recreated stack's values)."""
    region = config.get("aws:region", "us-east-1")
    mocks = RecordingMocks(Place(region=region, seed=seed))
    monitor = RecordingMonitor(mocks, observer)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.settings.ROOT.set(None)  # set_mocks' own stack would adopt this run's resources
    pulumi.runtime.settings.SETTINGS.root_directory = str(project_dir)  # as the engine says where Pulumi.yaml is
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))

    # The SDK's own entry point: a Stack resource that collects pulumi.export calls.
    def program() -> None:
        runpy.run_path(str(main or project_dir / "__main__.py"), run_name="__main__")

    with _no_stack_traces():
        _sync_await(run_in_stack(program))
    return ProgramRun([monitor.records[urn] for urn in sorted(monitor.records)], monitor.stack_outputs)


@contextlib.contextmanager
def _no_stack_traces() -> Iterator[None]:
    """The SDK walks the Python stack for every registration to send its source position; the mock
    monitor reads neither the stack trace nor the position, so none is captured."""
    captured = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = captured


def _unwrapped(value: Any) -> Any:
    """Unwrap secrets and turn assets into JSON-able values, recursively."""
    if rpc.is_rpc_secret(value):
        return _unwrapped(rpc.unwrap_rpc_secret(value))
    if isinstance(value, Mapping):
        return {k: _unwrapped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_unwrapped(v) for v in value]
    if isinstance(value, pulumi.AssetArchive):
        return {"assets": {k: _unwrapped(v) for k, v in sorted(value.assets.items())}}
    if isinstance(value, (pulumi.FileAsset, pulumi.FileArchive)):
        return {"path": _relative(value.path)}
    if isinstance(value, pulumi.StringAsset):
        return {"text": value.text}
    return value


def _relative(path: str) -> str:
    return _relative_to(path, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _relative_to(path: str, cwd: str) -> str:
    try:
        return _resolved(path).relative_to(cwd).as_posix()
    except ValueError:
        return path


def _resolved(path: str) -> Path:
    """``Path(path).resolve()``, resolving each folder once: an archive holds hundreds of files of a few folders."""
    if os.path.islink(path):
        return Path(path).resolve()
    folder, name = os.path.split(os.path.abspath(path))
    return _resolved_folder(folder) / name


@functools.lru_cache(maxsize=256)
def _resolved_folder(folder: str) -> Path:
    return Path(folder).resolve()
