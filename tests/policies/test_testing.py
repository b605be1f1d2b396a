"""policies.testing: arguments built like the analyzer's, violations as data, the assert helpers."""

import json

import pytest

from policies.pack import build_policies
from policies.rules.apigatewayv2 import ROUTE_REQUIRES_IAM_AUTH
from policies.rules.execution_roles import EXECUTION_ROLE_AUTONAMED
from policies.rules.observability import LOG_GROUP_RETENTION_SET
from policies.testing import (
    UNKNOWN,
    PolicyConfigError,
    Violation,
    assert_passes,
    assert_violates,
    resource,
    resource_args,
    run_pack,
    run_policy,
    stack_args,
)
from preview.analysis import analyze

ROUTE = "aws:apigatewayv2/route:Route"


def test_props_are_the_runtimes_proxy():
    args = resource_args(resource(ROUTE, "r", {"routeKey": "GET /x", "tags": {"a": "b"}, "n": 3, "l": [1]}))

    with pytest.raises(TypeError):
        json.dumps(args.props)
    assert not isinstance(args.props, dict)
    assert args.props["n"] == 3.0 and isinstance(args.props["n"], float)  # numbers arrive as floats
    assert args.props["l"] != [1]  # a list proxy is not == to a list, as in the analyzer


def test_reading_an_unknown_value_raises_like_in_the_analyzer():
    from pulumi_policy.proxy import UnknownValueError

    args = resource_args(resource(ROUTE, "r", {"routeKey": UNKNOWN}))

    with pytest.raises(UnknownValueError):
        args.props["routeKey"]


def test_schema_defaults_apply_and_config_overrides_them():
    args = resource_args(resource(ROUTE, "r"), policy=ROUTE_REQUIRES_IAM_AUTH, config={"exemptRouteKeys": ["GET /"]})

    assert dict(args.get_config()) == {
        "allowedAuthorizationTypes": ["AWS_IAM"],
        "exemptRouteKeys": ["GET /"],
        "exemptions": [],
    }


def test_a_setting_the_schema_refuses_raises():
    with pytest.raises(PolicyConfigError, match="exemptRouteKeys must be of type array"):
        run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(ROUTE, "r"), {"exemptRouteKeys": "GET /"})


def test_violations_are_data():
    route = resource(ROUTE, "status", {"routeKey": "GET /status", "authorizationType": "NONE"})

    assert run_policy(ROUTE_REQUIRES_IAM_AUTH, route) == [
        Violation(
            "apigatewayv2-route-requires-iam-auth",
            "mandatory",
            route.urn,
            'route "GET /status" uses authorization type NONE; allowed: AWS_IAM '
            "(a public route must be listed in exemptRouteKeys)",
        )
    ]


def test_enforcement_level_from_config_and_disabled():
    route = resource(ROUTE, "status", {"routeKey": "GET /status"})

    assert_violates(
        run_policy(ROUTE_REQUIRES_IAM_AUTH, route, {"enforcementLevel": "advisory"}),
        ROUTE_REQUIRES_IAM_AUTH.name,
        level="advisory",
    )
    assert run_policy(ROUTE_REQUIRES_IAM_AUTH, route, {"enforcementLevel": "disabled"}) == []


def test_unknown_value_is_an_advisory_cant_run_violation():
    [violation] = run_policy(ROUTE_REQUIRES_IAM_AUTH, resource(ROUTE, "r", {"routeKey": UNKNOWN}))

    assert violation.level == "advisory"
    assert violation.message.startswith("can't run policy 'apigatewayv2-route-requires-iam-auth' during preview")


def test_stack_args_link_parents_and_property_dependencies():
    role = resource("aws:iam/role:Role", "fn-role", {"name": "fixed"}, outputs={"name": "fixed", "arn": "arn:r"})
    function = resource(
        "aws:lambda/function:Function", "fn", {"role": "arn:r"}, parent=role, property_dependencies={"role": [role]}
    )

    args = stack_args([role, function])

    linked = args.resources[1]
    assert linked.parent is args.resources[0]
    assert linked.property_dependencies["role"] == [args.resources[0]]
    assert_violates(
        run_policy(EXECUTION_ROLE_AUTONAMED, [role, function]),
        EXECUTION_ROLE_AUTONAMED.name,
        urn=role.urn,
        contains='fixed name "fixed"',
    )


def test_run_pack_agrees_with_the_analyzer_servicer():
    records = [
        resource(ROUTE, "status", {"routeKey": "GET /status"}),
        resource("aws:cloudwatch/logGroup:LogGroup", "logs", {}),
        resource(
            "aws:iam/role:Role",
            "open",
            {
                "assumeRolePolicy": json.dumps(
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}]}
                )
            },
        ),
    ]
    as_records = [
        {
            "type": r.type,
            "urn": r.urn,
            "name": r.name,
            "custom": True,
            "inputs": r.props,
            "outputs": r.outputs,
            "parent": "",
            "dependencies": [],
            "propertyDependencies": {},
            "provider": "",
            "protect": False,
        }
        for r in records
    ]

    ours = sorted((v.policy, v.level, v.urn, v.message) for v in run_pack(records))
    engine = sorted((v.policy, v.level, v.urn, v.message.split("\n", 1)[1]) for v in analyze(as_records))

    assert ours == engine


def test_assert_helpers_explain_what_they_got():
    violations = run_policy(LOG_GROUP_RETENTION_SET, resource("aws:cloudwatch/logGroup:LogGroup", "logs"))

    assert_violates(violations, "log-group-retention-set", contains="retention_in_days", count=1)
    with pytest.raises(AssertionError, match="log-group-retention-set"):
        assert_passes(violations)
    with pytest.raises(AssertionError, match="got 0"):
        assert_violates(violations, "log-group-retention-set", contains="no such text")


def test_every_policy_has_description_severity_and_remediation_steps():
    for policy in build_policies():
        assert policy.description and policy.severity is not None and policy.remediation_steps, policy.name


def test_a_stack_export_runs_through_the_harness_like_through_the_analyzer():
    from pathlib import Path

    from policies.testing import from_stack_export
    from preview.pack_config import PROJECT_PACK_CONFIG
    from preview.state_files import read_state_file

    path = Path(__file__).resolve().parent / "corpus" / "tvm-role-assume-scope.json"
    resources = from_stack_export(json.loads(path.read_text()))
    project = json.loads(PROJECT_PACK_CONFIG.read_text())  # the corpus is this project's platform

    ours = sorted((v.policy, v.urn, v.message) for v in run_pack(resources, project))
    engine = sorted((v.policy, v.urn, v.message.split("\n", 1)[1]) for v in analyze(read_state_file(path), project))
    assert ours == engine and {p for p, _, _ in ours} == {"tvm-role-assume-scope"}
