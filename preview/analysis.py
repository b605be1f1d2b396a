"""Run the CrossGuard pack on resource records, the way the Pulumi engine does.

The engine talks to a pack over gRPC: GetAnalyzerInfo; Configure with every policy's
settings (schema defaults, then the pack's initial config, then ``--policy-pack-config``);
Analyze once per registered resource with its inputs; AnalyzeStack once with every
resource's outputs. Property keys starting with ``__`` (``__defaults``, ...) never reach the
pack. We build the same requests and send them either to pulumi-policy's own servicer
in-process (private API, hence the pinned minor version) or to the real analyzer subprocess.

A record: ``{type, urn, name, custom, inputs, outputs, parent, dependencies,
propertyDependencies, provider, protect}``; an unknown value is ``pulumi.runtime.rpc.UNKNOWN``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policies.pack import INITIAL_CONFIG, PACK_ENFORCEMENT_LEVEL, PACK_NAME, build_policies
from policies.settings import value_errors

DEFAULT_PACK_DIR = Path(__file__).resolve().parent.parent / "policies"

# PolicyPack always reports this version; the engine shows PulumiPolicy.yaml's instead, except
# inside the SDK's own "can't run policy ... during preview" messages.
_SDK_PACK_VERSION = "0.0.1"
# `python -m pulumi.policy` only parses the engine address; nothing in the analyzer dials it.
_UNUSED_ENGINE_ADDRESS = "127.0.0.1:0"
_START_TIMEOUT_SECONDS = 30.0
_RPC_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 5.0
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]

_LEVEL_NAMES = {pb.ADVISORY: "advisory", pb.MANDATORY: "mandatory", pb.REMEDIATE: "remediate", pb.DISABLED: "disabled"}
_LEVEL_VALUES = {name: value for value, name in _LEVEL_NAMES.items()}
_LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}

Call = Callable[[str, Any], Any]
"""``call("Analyze", request)``: one analyzer RPC, over whichever transport."""


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "mandatory" | "advisory" ("remediate" is reported as mandatory, as the engine does)
    urn: str
    message: str


class PolicyConfigError(ValueError):
    """The pack config is invalid; the engine would refuse to run the pack."""


def analyze(records: list[dict], pack_config: Optional[dict] = None, *, use_grpc: bool = False,
            pack_dir: Path = DEFAULT_PACK_DIR) -> list[Violation]:
    """Every diagnostic the pack reports on ``records``, sorted by level, policy, urn.

    ``pack_config`` is shaped like a ``--policy-pack-config`` file. In-process runs the
    ``policies`` package; ``use_grpc`` starts ``python -m pulumi.policy`` on ``pack_dir``.
    """
    open_analyzer = _analyzer_subprocess if use_grpc else _analyzer_in_process
    with open_analyzer(Path(pack_dir)) as call:
        return _run_pack(call, records, pack_config or {})


def _run_pack(call: Call, records: list[dict], pack_config: Mapping[str, Any]) -> list[Violation]:
    info = call("GetAnalyzerInfo", empty_pb2.Empty())
    call("Configure", configure_request(info, pack_config))
    violations = []
    for request in analyze_requests(records):
        response = call("Analyze", request)
        # The engine files a resource's diagnostics under that resource, whatever they say.
        violations += [_violation(d, request.urn, resource_check=True) for d in response.diagnostics]
    response = call("AnalyzeStack", analyze_stack_request(records))
    violations += [_violation(d, _stack_diagnostic_urn(d.urn, records)) for d in response.diagnostics]
    return sorted(violations, key=lambda v: (_LEVEL_ORDER.get(v.level, 9), v.policy, v.urn, v.message))


def _violation(diagnostic: Any, urn: str, resource_check: bool = False) -> Violation:
    level = _LEVEL_NAMES[diagnostic.enforcementLevel]
    if resource_check and level == "remediate":  # the engine's downgrade: a remediated resource still fails
        level = "mandatory"
    return Violation(diagnostic.policyName, level, urn, diagnostic.message)


def _stack_diagnostic_urn(urn: str, records: list[dict]) -> str:
    """As the engine does: a stack diagnostic without a known resource goes to the root stack."""
    if urn and any(r["urn"] == urn for r in records):
        return urn
    if not records:
        return ""
    stack, project = records[0]["urn"].removeprefix("urn:pulumi:").split("::")[:2]
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


# --- transports ---------------------------------------------------------------------------

@contextlib.contextmanager
def _analyzer_in_process(pack_dir: Path) -> Iterator[Call]:
    if pack_dir.resolve() != DEFAULT_PACK_DIR:
        raise ValueError(f"in-process analysis runs the `policies` package; use use_grpc=True for {pack_dir}")
    # The arguments PolicyPack passes to the servicer it serves.
    servicer = _PolicyAnalyzerServicer(PACK_NAME, _SDK_PACK_VERSION, build_policies(),
                                       PACK_ENFORCEMENT_LEVEL, INITIAL_CONFIG)
    yield lambda method, request: getattr(servicer, method)(request, None)


@contextlib.contextmanager
def _analyzer_subprocess(pack_dir: Path) -> Iterator[Call]:
    """The pack started as the Pulumi CLI starts it; always stopped, even on error."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.policy", _UNUSED_ENGINE_ADDRESS, str(pack_dir)],
            cwd=pack_dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
            # PolicyPack writes its port without flushing: buffered, it would never reach the pipe.
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            port = _read_port(process, stderr)
            with grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS) as channel:
                grpc.channel_ready_future(channel).result(timeout=_START_TIMEOUT_SECONDS)
                stub = analyzer_pb2_grpc.AnalyzerStub(channel)
                yield lambda method, request: getattr(stub, method)(request, timeout=_RPC_TIMEOUT_SECONDS)
        finally:
            _stop(process)


def _read_port(process: subprocess.Popen, stderr: Any) -> int:
    """The analyzer prints its port on the first line of stdout once it serves."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=_START_TIMEOUT_SECONDS):
            raise RuntimeError(f"policy pack did not start within {_START_TIMEOUT_SECONDS:.0f} s")
    line = process.stdout.readline().strip()
    if line.isdigit():
        return int(line)
    if not line:  # the pack is exiting: let it finish writing its error
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    stderr.seek(0)
    detail = stderr.read().decode(errors="replace").strip()
    raise RuntimeError(f"policy pack in {process.args[-1]} failed to start (stdout {line!r}):\n{detail}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    process.stdout.close()


# --- requests -----------------------------------------------------------------------------

def analyze_requests(records: list[dict]) -> list[pb.AnalyzeRequest]:
    """One per registered resource (read-only ``external`` resources are not analyzed)."""
    by_urn = {r["urn"]: r for r in records}
    return [
        pb.AnalyzeRequest(
            type=record["type"], urn=record["urn"], name=record["name"],
            properties=_struct(record.get("inputs")),
            options=_options(record, parent=record.get("parent") or ""),
            provider=_provider(record, by_urn),
        )
        for record in records if not record.get("external")
    ]


def analyze_stack_request(records: list[dict]) -> pb.AnalyzeStackRequest:
    by_urn = {r["urn"]: r for r in records}
    return pb.AnalyzeStackRequest(resources=[
        pb.AnalyzerResource(
            type=record["type"], urn=record["urn"], name=record["name"],
            properties=_struct(record.get("outputs")),
            options=_options(record, parent=""),  # the engine sends the parent beside the options here
            provider=_provider(record, by_urn),
            parent=record.get("parent") or "",
            dependencies=record.get("dependencies") or [],
            propertyDependencies={key: pb.AnalyzerPropertyDependencies(urns=urns)
                                  for key, urns in (record.get("propertyDependencies") or {}).items() if urns},
        )
        for record in records
    ])


def _options(record: dict, parent: str) -> pb.AnalyzerResourceOptions:
    return pb.AnalyzerResourceOptions(
        protect=bool(record.get("protect")),
        parent=parent,
        ignoreChanges=record.get("ignoreChanges") or [],
        additionalSecretOutputs=record.get("additionalSecretOutputs") or [],
        aliases=[a for a in record.get("aliases") or [] if isinstance(a, str)],
        customTimeouts=pb.AnalyzerResourceOptions.CustomTimeouts(),
    )


def _provider(record: dict, by_urn: Mapping[str, dict]) -> Optional[pb.AnalyzerProviderResource]:
    """A provider reference is ``<provider urn>::<provider id>``."""
    reference = record.get("provider") or ""
    provider = by_urn.get(reference.rsplit("::", 1)[0]) if reference else None
    if provider is None:
        return None
    return pb.AnalyzerProviderResource(type=provider["type"], urn=provider["urn"], name=provider["name"],
                                       properties=_struct(provider.get("inputs")))


def _struct(properties: Optional[Mapping[str, Any]]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_without_internal_keys(properties or {}))
    return struct


def _without_internal_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_internal_keys(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, (list, tuple)):
        return [_without_internal_keys(v) for v in value]
    return value


# --- pack config, reconciled as the engine does -------------------------------------------

@dataclass(frozen=True)
class _PolicyConfig:
    level: Optional[str]
    properties: dict[str, Any] = field(default_factory=dict)


def configure_request(info: pb.AnalyzerInfo, pack_config: Mapping[str, Any]) -> pb.ConfigureAnalyzerRequest:
    request = pb.ConfigureAnalyzerRequest()
    for name, config in _reconcile(info, pack_config).items():
        if config.level not in _LEVEL_VALUES:
            raise PolicyConfigError(f'"{name}": no valid enforcement level')
        request.policyConfig[name].enforcementLevel = _LEVEL_VALUES[config.level]
        request.policyConfig[name].properties.update(config.properties)
    return request


def _reconcile(info: pb.AnalyzerInfo, pack_config: Mapping[str, Any]) -> dict[str, _PolicyConfig]:
    result = {p.name: _PolicyConfig(_LEVEL_NAMES[p.enforcementLevel], _schema_defaults(p)) for p in info.policies}
    initial = {name: _PolicyConfig(_LEVEL_NAMES[c.enforcementLevel], json_format.MessageToDict(c.properties))
               for name, c in info.initialConfig.items()}
    result = _apply(result, initial)
    result = _apply(result, _parse_pack_config(pack_config))
    errors = [error for policy in info.policies for error in _config_errors(policy, result[policy.name].properties)]
    if errors:
        raise PolicyConfigError("invalid policy pack config: " + "; ".join(errors))
    return result


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
