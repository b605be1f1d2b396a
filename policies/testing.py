"""A test harness for CrossGuard policies written in Python.

Build ``ResourceValidationArgs`` and ``StackValidationArgs`` from plain dicts, with the same
read-only, unknown-checking property proxies the analyzer hands to a policy (properties go
through a protobuf Struct and ``pulumi_policy.deserialize``, so numbers are floats as on the
wire); run one policy or the whole pack; get violations back as data; assert on them (the assertions
live in policies/assertions.py and are re-exported here).

    from policies.testing import resource, run_policy, assert_violates, assert_passes, UNKNOWN

    table = resource("aws:dynamodb/table:Table", "sessions", {"hashKey": "id"})
    violations = run_policy(DYNAMODB_TABLE_PROTECTED, table)
    assert_violates(violations, "dynamodb-table-protected", contains="point-in-time recovery")

Settings are applied as the engine applies them: the policy's schema defaults, then ``config``
(validated against the schema; a bad setting raises ``PolicyConfigError``). A value that is
``UNKNOWN`` makes the policy report the analyzer's advisory "can't run policy" diagnostic.

``run_pack`` runs every policy of the pack on the resources, the way the analyzer does
(resource policies per resource on its inputs, stack policies once on every resource's outputs).
To drive the engine's own request sequence over the real servicer or gRPC, use
``preview.analysis.analyze``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policies.assertions import assert_passes, assert_violates
from policies.diagnostics import Violation
from policies.settings import PolicyConfigError, config_errors, schema_defaults

__all__ = [
    "UNKNOWN",
    "PolicyConfigError",
    "Resource",
    "Violation",
    "assert_passes",
    "assert_violates",
    "from_record",
    "from_stack_export",
    "remediate",
    "resource",
    "resource_args",
    "run_pack",
    "run_policy",
    "stack_args",
]

PROJECT = "iam-platform"
STACK = "dev"


@dataclass
class Resource:
    """A resource as plain data: ``props`` are its inputs (what resource policies see) and
    ``outputs`` what stack policies see (a copy of ``props`` unless given)."""

    type: str
    name: str
    props: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    urn: str = ""
    parent: str | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    stack: str = STACK
    project: str = PROJECT

    def __post_init__(self) -> None:
        if not self.urn:
            self.urn = f"urn:pulumi:{self.stack}::{self.project}::{self.type}::{self.name}"
        if self.outputs is None:
            self.outputs = dict(self.props)


Target = Resource | Sequence[Resource]


def resource(
    type_: str,
    name: str,
    props: dict[str, Any] | None = None,
    *,
    outputs: dict[str, Any] | None = None,
    parent: Resource | str | None = None,
    dependencies: Iterable[Resource | str] = (),
    property_dependencies: Mapping[str, Iterable[Resource | str]] | None = None,
    protect: bool = False,
    stack: str = STACK,
    project: str = PROJECT,
) -> Resource:
    """A resource; ``parent``, ``dependencies`` and ``property_dependencies`` take resources or URNs."""
    return Resource(
        type=type_,
        name=name,
        props=dict(props or {}),
        outputs=None if outputs is None else dict(outputs),
        parent=_urn(parent) if parent is not None else None,
        dependencies=[_urn(d) for d in dependencies],
        property_dependencies={k: [_urn(d) for d in v] for k, v in (property_dependencies or {}).items()},
        protect=protect,
        stack=stack,
        project=project,
    )


def from_record(record: Mapping[str, Any]) -> Resource:
    """A resource from a preview record or a ``pulumi stack export`` resource (``type, urn, inputs,
    outputs, parent, dependencies, propertyDependencies, protect``)."""
    urn = str(record["urn"])
    stack, project = urn.removeprefix("urn:pulumi:").split("::")[:2]
    return Resource(
        type=record["type"],
        name=record.get("name") or urn.rsplit("::", 1)[-1],
        props=dict(record.get("inputs") or {}),
        outputs=dict(record.get("outputs") or {}),
        urn=urn,
        parent=record.get("parent") or None,
        dependencies=list(record.get("dependencies") or []),
        property_dependencies={k: list(v) for k, v in (record.get("propertyDependencies") or {}).items()},
        protect=bool(record.get("protect")),
        stack=stack,
        project=project,
    )


def from_stack_export(document: Mapping[str, Any]) -> list[Resource]:
    """Every resource of a parsed ``pulumi stack export`` (version 3) document."""
    return [from_record(r) for r in document["deployment"]["resources"] if not r.get("delete")]


def _urn(value: Resource | str) -> str:
    return value.urn if isinstance(value, Resource) else value


# --- arguments, built as the analyzer builds them -------------------------------------------


def proxied(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Plain properties → the read-only, unknown-checking proxy a policy receives."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def settings_for(policy: Policy | None, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Schema defaults, then ``config``; raises PolicyConfigError for a setting the schema refuses."""
    config = {k: v for k, v in dict(config or {}).items() if k != "enforcementLevel"}
    schema = policy.config_schema if policy is not None else None
    merged = {**schema_defaults(schema), **config}
    errors = config_errors(schema, merged)
    if errors:
        name = policy.name if policy is not None else "policy"
        raise PolicyConfigError(f"{name}: " + "; ".join(errors))
    return merged


def _options(res: Resource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=res.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=res.parent,
    )


def resource_args(
    res: Resource, *, policy: Policy | None = None, config: Mapping[str, Any] | None = None
) -> ResourceValidationArgs:
    """What a ResourceValidationPolicy receives for ``res`` (its inputs)."""
    return ResourceValidationArgs(
        res.type, proxied(res.props), res.urn, res.name, _options(res), None, settings_for(policy, config), {}
    )


def stack_args(
    resources: Sequence[Resource], *, policy: Policy | None = None, config: Mapping[str, Any] | None = None
) -> StackValidationArgs:
    """What a StackValidationPolicy receives: every resource's outputs, linked by parent and dependencies."""
    built = {
        r.urn: PolicyResource(r.type, proxied(r.outputs or {}), r.urn, r.name, _options(r), None, None, [], {})
        for r in resources
    }
    for r in resources:
        policy_resource = built[r.urn]
        policy_resource.parent = built.get(r.parent) if r.parent else None
        policy_resource.dependencies = [built[d] for d in r.dependencies if d in built]
        policy_resource.property_dependencies = {
            k: [built[d] for d in v if d in built] for k, v in r.property_dependencies.items()
        }
    return StackValidationArgs(list(built.values()), settings_for(policy, config), {})


# --- running ---------------------------------------------------------------------------------


def run_policy(policy: Policy, target: Target, config: Mapping[str, Any] | None = None) -> list[Violation]:
    """Run one policy on one resource or a list; its violations in report order.

    ``config`` may carry ``enforcementLevel``; a "disabled" policy reports nothing.
    """
    resources = [target] if isinstance(target, Resource) else list(target)
    level = _level(policy, config)
    if level == "disabled":
        return []
    violations: list[Violation] = []
    if isinstance(policy, StackValidationPolicy):
        stack_urn = _stack_urn(resources)
        args = stack_args(resources, policy=policy, config=config)
        report = _reporter(policy, level, stack_urn, violations, known={r.urn for r in resources})
        _call(policy, functools.partial(policy.validate, args, report), level, stack_urn, violations)
    elif isinstance(policy, ResourceValidationPolicy):
        resource_level = "mandatory" if level == "remediate" else level  # as the analyzer reports it
        for res in resources:
            res_args = resource_args(res, policy=policy, config=config)
            report = _reporter(policy, resource_level, res.urn, violations, known=None)
            _call(policy, functools.partial(policy.validate, res_args, report), resource_level, res.urn, violations)
    else:
        raise TypeError(f"not a policy: {policy!r}")
    return violations


def run_pack(
    target: Target, pack_config: Mapping[str, Any] | None = None, policies: Sequence[Policy] | None = None
) -> list[Violation]:
    """Every policy of the pack (or ``policies``); ``pack_config`` is shaped like ``--policy-pack-config``
    (``{"policy": "advisory"}`` or ``{"policy": {"enforcementLevel": ..., "setting": ...}}``; ``all`` sets
    every level)."""
    if policies is None:
        from policies.pack import build_policies

        policies = build_policies()
    pack_config = dict(pack_config or {})
    everything = pack_config.get("all")
    violations = []
    for policy in policies:
        config = pack_config.get(policy.name, {})
        config = {"enforcementLevel": config} if isinstance(config, str) else dict(config)
        if everything is not None and "enforcementLevel" not in config:
            config["enforcementLevel"] = (
                everything if isinstance(everything, str) else everything.get("enforcementLevel")
            )
        violations += run_policy(policy, target, config)
    return violations


def remediate(
    policy: ResourceValidationPolicy, res: Resource, config: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """The properties the policy's remediation returns for ``res``, or None when it changes nothing."""
    result: Any = policy.remediate(resource_args(res, policy=policy, config=config))
    if inspect.isawaitable(result):
        result = asyncio.new_event_loop().run_until_complete(result)
    return None if result is None else dict(result)


def _level(policy: Policy, config: Mapping[str, Any] | None) -> str:
    given = (config or {}).get("enforcementLevel") if isinstance(config, Mapping) else None
    if given:
        return str(given)
    return (policy.enforcement_level or EnforcementLevel.MANDATORY).value


def _reporter(policy: Policy, level: str, default_urn: str, into: list[Violation], known: set[str] | None):
    def report_violation(message: str, urn: str | None = None) -> None:
        if known is None or not urn or urn not in known:
            urn = default_urn  # as the engine files it
        into.append(Violation(policy.name, level, urn, message))

    return report_violation


def _call(policy: Policy, run, level: str, urn: str, into: list[Violation]) -> None:
    try:
        result = run()
        if inspect.isawaitable(result):
            asyncio.new_event_loop().run_until_complete(result)
    except UnknownValueError as error:
        into.append(
            Violation(policy.name, "advisory", urn, f"can't run policy '{policy.name}' during preview: {error.message}")
        )


def _stack_urn(resources: Sequence[Resource]) -> str:
    if not resources:
        return f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
    first = resources[0]
    return f"urn:pulumi:{first.stack}::{first.project}::pulumi:pulumi:Stack::{first.project}-{first.stack}"
