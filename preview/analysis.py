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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from policies.diagnostics import Violation
from preview.pack_config import LEVEL_NAMES, PolicyConfigError, configure_request
from preview.transports import DEFAULT_PACK_DIR, Call, analyzer_in_process, analyzer_subprocess

__all__ = [
    "DEFAULT_PACK_DIR",
    "PolicyConfigError",
    "Violation",
    "analyze",
    "analyze_request",
    "analyze_requests",
    "analyze_stack_request",
    "configure_request",
    "run_pack",
]

_LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}


def analyze(
    records: list[dict],
    pack_config: dict | None = None,
    *,
    use_grpc: bool = False,
    pack_dir: Path = DEFAULT_PACK_DIR,
    partial_input: bool = False,
) -> list[Violation]:
    """Every diagnostic the pack reports on ``records``, sorted by level, policy, urn.

    ``pack_config`` is shaped like a ``--policy-pack-config`` file. In-process runs the
    ``policies`` package; ``use_grpc`` starts ``python -m pulumi.policy`` on ``pack_dir``.
    ``partial_input``: the records lack the stack's unchanged resources (see ``configure_request``).
    """
    open_analyzer = analyzer_subprocess if use_grpc else analyzer_in_process
    with open_analyzer(Path(pack_dir)) as call:
        return _run_pack(call, records, pack_config or {}, partial_input)


def run_pack(
    call: Call, records: list[dict], pack_config: Mapping[str, Any] | None = None, partial_input: bool = False
) -> list[Violation]:
    """The engine's request sequence on a pack already started (preview.packs starts any pack)."""
    return _run_pack(call, records, pack_config or {}, partial_input)


def _run_pack(call: Call, records: list[dict], pack_config: Mapping[str, Any], partial_input: bool) -> list[Violation]:
    info = call("GetAnalyzerInfo", empty_pb2.Empty())
    call("Configure", configure_request(info, pack_config, partial_input))
    violations = []
    for request in analyze_requests(records):
        response = call("Analyze", request)
        # The engine files a resource's diagnostics under that resource, whatever they say.
        violations += [_violation(d, request.urn, resource_check=True) for d in response.diagnostics]
    response = call("AnalyzeStack", analyze_stack_request(records))
    violations += [_violation(d, _stack_diagnostic_urn(d.urn, records)) for d in response.diagnostics]
    return sorted(violations, key=lambda v: (_LEVEL_ORDER.get(v.level, 9), v.policy, v.urn, v.message))


def _violation(diagnostic: Any, urn: str, resource_check: bool = False) -> Violation:
    level = LEVEL_NAMES[diagnostic.enforcementLevel]
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


def analyze_requests(records: list[dict]) -> list[pb.AnalyzeRequest]:
    """One per registered resource (read-only ``external`` resources are not analyzed)."""
    by_urn = {r["urn"]: r for r in records}
    return [analyze_request(record, by_urn) for record in records if not record.get("external")]


def analyze_request(record: dict, by_urn: Mapping[str, dict]) -> pb.AnalyzeRequest:
    """``by_urn``: the records so far (a resource's provider is registered before it)."""
    return pb.AnalyzeRequest(
        type=record["type"],
        urn=record["urn"],
        name=record["name"],
        properties=_struct(record.get("inputs")),
        options=_options(record, parent=record.get("parent") or ""),
        provider=_provider(record, by_urn),
    )


def analyze_stack_request(records: list[dict]) -> pb.AnalyzeStackRequest:
    by_urn = {r["urn"]: r for r in records}
    return pb.AnalyzeStackRequest(
        resources=[
            pb.AnalyzerResource(
                type=record["type"],
                urn=record["urn"],
                name=record["name"],
                properties=_struct(record.get("outputs")),
                options=_options(record, parent=""),  # the engine sends the parent beside the options here
                provider=_provider(record, by_urn),
                parent=record.get("parent") or "",
                dependencies=record.get("dependencies") or [],
                propertyDependencies={
                    key: pb.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in (record.get("propertyDependencies") or {}).items()
                    if urns
                },
            )
            for record in records
        ]
    )


def _options(record: dict, parent: str) -> pb.AnalyzerResourceOptions:
    return pb.AnalyzerResourceOptions(
        protect=bool(record.get("protect")),
        parent=parent,
        ignoreChanges=record.get("ignoreChanges") or [],
        additionalSecretOutputs=record.get("additionalSecretOutputs") or [],
        aliases=[a for a in record.get("aliases") or [] if isinstance(a, str)],
        customTimeouts=pb.AnalyzerResourceOptions.CustomTimeouts(),
    )


def _provider(record: dict, by_urn: Mapping[str, dict]) -> pb.AnalyzerProviderResource | None:
    """A provider reference is ``<provider urn>::<provider id>``."""
    reference = record.get("provider") or ""
    provider = by_urn.get(reference.rsplit("::", 1)[0]) if reference else None
    if provider is None:
        return None
    return pb.AnalyzerProviderResource(
        type=provider["type"], urn=provider["urn"], name=provider["name"], properties=_struct(provider.get("inputs"))
    )


def _struct(properties: Mapping[str, Any] | None) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_without_internal_keys(properties or {}))
    return struct


def _without_internal_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_internal_keys(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, (list, tuple)):
        return [_without_internal_keys(v) for v in value]
    return value
