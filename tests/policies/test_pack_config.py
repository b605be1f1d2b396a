"""The pack config as the engine applies it: schema defaults, then --policy-pack-config."""

import pytest

from preview.analysis import PolicyConfigError, analyze

ROUTE_POLICY = "apigatewayv2-route-requires-iam-auth"
TRUST_POLICY = "iam-role-trust-no-wildcard"


@pytest.fixture
def public_route(record):
    return record("aws:apigatewayv2/route:Route", "status-route", {"routeKey": "GET /status"})


def test_exempting_a_route_key_in_the_pack_config(public_route):
    exempt = {ROUTE_POLICY: {"exemptRouteKeys": ["GET /.well-known/jwks.json", "GET /status"]}}

    assert analyze([public_route], exempt) == []


def test_setting_a_policy_to_advisory(public_route):
    for config in ({ROUTE_POLICY: "advisory"}, {ROUTE_POLICY: {"enforcementLevel": "advisory"}}):
        assert [(v.policy, v.level) for v in analyze([public_route], config)] == [(ROUTE_POLICY, "advisory")]


def test_disabling_a_policy(public_route):
    assert analyze([public_route], {ROUTE_POLICY: "disabled"}) == []


def test_all_sets_every_level_and_a_named_policy_wins(public_route, record):
    open_role = record(
        "aws:iam/role:Role",
        "open-role",
        {"assumeRolePolicy": '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'},
    )

    violations = analyze([public_route, open_role], {"all": "advisory", TRUST_POLICY: "mandatory"})

    assert sorted((v.policy, v.level) for v in violations) == [(ROUTE_POLICY, "advisory"), (TRUST_POLICY, "mandatory")]


def test_a_setting_of_the_wrong_type_is_refused_like_the_engine_does(public_route):
    with pytest.raises(PolicyConfigError, match="exemptRouteKeys must be of type array"):
        analyze([public_route], {ROUTE_POLICY: {"exemptRouteKeys": "GET /status"}})


def test_none_cannot_become_an_allowed_authorization_type(public_route):
    with pytest.raises(PolicyConfigError, match=r"allowedAuthorizationTypes\[1\] must be one of"):
        analyze([public_route], {ROUTE_POLICY: {"allowedAuthorizationTypes": ["AWS_IAM", "NONE"]}})


def test_account_ids_must_be_twelve_digits(public_route):
    with pytest.raises(PolicyConfigError, match=r"accountIds\[0\] must match"):
        analyze([public_route], {TRUST_POLICY: {"accountIds": ["1234"]}})


def test_an_invalid_enforcement_level_is_refused(public_route):
    with pytest.raises(PolicyConfigError, match="'blocking' is not a valid enforcement level"):
        analyze([public_route], {ROUTE_POLICY: "blocking"})
