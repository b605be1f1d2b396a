"""preview/shared_views.py skips a resource policy on the types its validations do not declare
(policies.resource_types.applies_to); a validation that declares nothing runs on every type."""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy

from policies.pack import build_policies
from policies.resource_types import applies_to
from preview.shared_views import ALL_TYPES, _declared_types


def policy(validate):
    return ResourceValidationPolicy(name="p", description="d", validate=validate)


def test_a_decorated_validation_declares_its_types():
    declared = _declared_types(policy(applies_to("a", "b")(lambda args, report: None)))
    assert declared == frozenset({"a", "b"}) and "c" not in declared


def test_every_validation_of_a_list_must_declare_types():
    typed = applies_to("a")(lambda args, report: None)
    assert _declared_types(policy([typed, applies_to("b")(lambda args, report: None)])) == {"a", "b"}
    assert _declared_types(policy([typed, lambda args, report: None])) is ALL_TYPES


def test_an_undeclared_validation_runs_everywhere():
    assert _declared_types(policy(lambda args, report: None)) is ALL_TYPES
    assert "anything" in ALL_TYPES


def test_the_packs_resource_policies_all_declare_their_types():
    undeclared = [
        p.name for p in build_policies() if isinstance(p, ResourceValidationPolicy) and _declared_types(p) is ALL_TYPES
    ]
    assert undeclared == []
