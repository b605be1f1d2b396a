"""pulumi-policy's analyzer servicer, converting each resource once per request instead of once per policy.

The SDK's ``Analyze`` turns the request's properties into a dict (``MessageToDict``, deserialised) and a
read-only proxy, and reads its options and provider, again for every policy; ``AnalyzeStack`` rebuilds
every resource of the stack for every stack policy. Both loops are kept as the SDK writes them (levels,
remediation-only policies, unknown values, not-applicable results, awaitable validations); only the
conversions are made once and shared: policies see read-only views, so sharing them changes nothing.
A resource policy whose validations all declare their types (policies.resource_types.applies_to) is not called
on other types: there it would return None before reading anything.
It is private API of the pinned pulumi-policy minor version; tests/preview/test_differential.py holds
it to the real analyzer subprocess on every corpus file, the stacks and synthetic stacks.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    _NotApplicableError,
    _PolicyAnalyzerServicer,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy


class SharedViewsServicer(_PolicyAnalyzerServicer):
    def _policies(self) -> list[Any]:
        return self._PolicyAnalyzerServicer__policies  # type: ignore[attr-defined]

    def Analyze(self, request: Any, _context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        view = None
        for policy in self._policies():
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, ResourceValidationPolicy):
                continue
            if request.type not in self._declared_types(policy):
                continue  # its validations return None on this type without reading anything
            if not policy.has_validation():
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason="Policy does not implement validate")
                )
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # as the SDK: a remediated resource that still fails
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            if view is None:
                view = (
                    _props(request.properties),
                    self._get_resource_options(request),
                    self._get_provider_resource(request),
                )
            props, opts, provider = view
            args = ResourceValidationArgs(
                request.type,
                props,
                request.urn,
                request.name,
                opts,
                provider,
                self._get_policy_config(policy.name),
                self._stack_tags(),
            )
            self._run(policy, args, report, response)
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        resources = None
        for policy in self._policies():
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # stack policies cannot be remediated
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            if resources is None:
                resources = self._stack_resources(request)
            args = StackValidationArgs(list(resources), self._get_policy_config(policy.name), self._stack_tags())
            self._run(policy, args, report, response)
        return response

    def _stack_resources(self, request: Any) -> list[PolicyResource]:
        resources, links = [], []
        for r in request.resources:
            resources.append(
                PolicyResource(
                    r.type,
                    _props(r.properties),
                    r.urn,
                    r.name,
                    self._get_resource_options(r),
                    self._get_provider_resource(r),
                    None,
                    [],
                    {},
                )
            )
            links.append((r.parent, list(r.dependencies), {k: list(v.urns) for k, v in r.propertyDependencies.items()}))
        by_urn = {resource.urn: resource for resource in resources}
        for resource, (parent, dependencies, property_dependencies) in zip(resources, links, strict=True):
            if parent in by_urn:
                resource.parent = by_urn[parent]
            resource.dependencies.extend(by_urn[d] for d in dependencies if d in by_urn)
            for key, urns in property_dependencies.items():
                resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
        return resources

    def _run(self, policy: Any, args: Any, report: Any, response: Any) -> None:
        try:
            result = policy.validate(args, report)
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.ensure_future(result, loop=loop))
                loop.close()
        except UnknownValueError as error:
            name, version = self._pack()
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=name,
                    policyPackVersion=version,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                        f"{error.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(
                proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )

    def _declared_types(self, policy: ResourceValidationPolicy) -> Any:
        """The types every validation of the policy declares (policies.resource_types.applies_to), else ALL_TYPES."""
        cache = self.__dict__.setdefault("_declared", {})
        if policy.name not in cache:
            cache[policy.name] = _declared_types(policy)
        return cache[policy.name]

    def _get_provider_resource(self, request: Any) -> Any:
        """One view per provider: every resource of a stack names the same one or two."""
        if not request.HasField("provider"):
            return None
        provider = request.provider
        key = (provider.type, provider.urn, provider.name, provider.properties.SerializeToString(deterministic=True))
        cache = self.__dict__.setdefault("_providers", {})
        if key not in cache:
            cache[key] = super()._get_provider_resource(request)
        return cache[key]

    def _pack(self) -> tuple[str, str]:
        return (
            self._PolicyAnalyzerServicer__policy_pack_name,  # type: ignore[attr-defined]
            self._PolicyAnalyzerServicer__policy_pack_version,  # type: ignore[attr-defined]
        )

    def _stack_tags(self) -> Any:
        return self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]


def _props(properties: Any) -> Any:
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(properties)))


class _AllTypes:
    def __contains__(self, _item: object) -> bool:
        return True


ALL_TYPES = _AllTypes()


def _declared_types(policy: ResourceValidationPolicy) -> Any:
    if type(policy).validate is not ResourceValidationPolicy.validate:
        return ALL_TYPES
    validations = policy._ResourceValidationPolicy__validate  # type: ignore[attr-defined]
    if not validations:
        return ALL_TYPES
    declared: list[frozenset[str]] = []
    for validation in validations if isinstance(validations, list) else [validations]:
        types = getattr(validation, "resource_types", None)
        if not isinstance(types, frozenset):
            return ALL_TYPES
        declared.append(types)
    return frozenset().union(*declared)
