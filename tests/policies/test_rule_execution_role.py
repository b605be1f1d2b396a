"""lambda-execution-role-autonamed: a stack policy over functions and their roles' outputs."""

from preview.analysis import analyze

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
    assert 'role "jwks-fn-role" (execution role of function "jwks-fn") has the fixed name "jwks-fn-role"' \
        in violation.message


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
