"""lambda-execution-role-autonamed: a stack policy over functions and their roles' outputs."""

import pytest

from preview.analysis import PolicyConfigError, analyze

POLICY = "lambda-execution-role-autonamed"
ROLE, FUNCTION = "aws:iam/role:Role", "aws:lambda/function:Function"
ROLE_ARN = "arn:aws:iam::123456789012:role/"


def role(record, outputs, name="jwks-fn-role"):
    return record(ROLE, name, {}, {"arn": ROLE_ARN + outputs.get("name", name), **outputs})


def function(record, role_record, linked=True):
    dependencies = {"role": [role_record["urn"]]} if linked else {}
    return record(FUNCTION, "jwks-fn", {"role": role_record["outputs"]["arn"]}, propertyDependencies=dependencies)


def test_fixed_role_name_fires_on_the_role_and_names_the_function(record):
    execution_role = role(record, {"name": "jwks-fn-role"})

    [violation] = analyze([execution_role, function(record, execution_role)])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", execution_role["urn"])
    assert (
        'role "jwks-fn-role" (execution role of function "jwks-fn") has the fixed name "jwks-fn-role"'
        in violation.message
    )


def test_role_found_by_arn_when_there_is_no_property_dependency(record):
    execution_role = role(record, {"name": "platform-jwks"})

    [violation] = analyze([execution_role, function(record, execution_role, linked=False)])

    assert violation.urn == execution_role["urn"]


def test_auto_named_role_passes(record):
    execution_role = role(record, {"name": "jwks-fn-role-1a2b3c4"})

    assert analyze([execution_role, function(record, execution_role)]) == []


def test_role_without_a_name_output_passes(record):
    execution_role = role(record, {})

    assert analyze([execution_role, function(record, execution_role)]) == []


def test_name_prefix_passes(record):
    execution_role = role(record, {"name": "jwks-20261123000000000000000001", "namePrefix": "jwks-"})

    assert analyze([execution_role, function(record, execution_role)]) == []


def test_defaults_bookkeeping_never_reaches_the_pack(record):
    # The engine strips "__" keys, so "__defaults" cannot vouch for a name: the pattern decides.
    execution_role = role(record, {"name": "jwks-fn-role", "__defaults": ["name"]})

    assert [v.policy for v in analyze([execution_role, function(record, execution_role)])] == [POLICY]


def test_roles_of_other_resources_are_not_checked(record):
    assert analyze([role(record, {"name": "ci-deployer"}, name="ci-deployer")]) == []


PACK = "lambda-execution-role-autonamed"


def test_a_configured_autonaming_pattern_is_recognised(record):
    # Pulumi.yaml: pulumi:autonaming: {pattern: "${project}-${stack}-${name}-${alphanum(6)}"}
    execution_role = role(record, {"name": "iam-platform-dev-jwks-fn-role-x7k2q9"})
    records = [execution_role, function(record, execution_role)]

    [violation] = analyze(records)
    assert violation.policy == POLICY and "autonamePatterns" in violation.message
    config = {PACK: {"autonamePatterns": ["${name}-${hex(7)}", "${project}-${stack}-${name}-${alphanum(6)}"]}}
    assert analyze(records, config) == []


def test_a_pattern_fixes_the_parts_it_names(record):
    # another stack's, another resource's, or a longer random part is not what the pattern generates
    config = {PACK: {"autonamePatterns": ["${stack}-${name}-${num(4)}"]}}
    for name in ("prod-jwks-fn-role-1234", "dev-other-role-1234", "dev-jwks-fn-role-12345", "dev-jwks-fn-role-abcd"):
        execution_role = role(record, {"name": name})
        [violation] = analyze([execution_role, function(record, execution_role)], config)
        assert violation.policy == POLICY
    execution_role = role(record, {"name": "dev-jwks-fn-role-0042"})
    assert analyze([execution_role, function(record, execution_role)], config) == []


def test_a_pattern_with_an_unknown_expression_is_refused(record):
    execution_role = role(record, {"name": "jwks-fn-role-1a2b3c4"})
    with pytest.raises(PolicyConfigError, match="autonamePatterns"):
        analyze([execution_role, function(record, execution_role)], {PACK: {"autonamePatterns": ["${name}-${rand}"]}})
