"""iam-role-trust-no-wildcard, driven through the engine's request sequence."""

import pytest
from pulumi.runtime.rpc import UNKNOWN

from preview.analysis import analyze

POLICY = "iam-role-trust-no-wildcard"
ROLE = "aws:iam/role:Role"
OWN_ACCOUNT, OTHER_ACCOUNT = "111111111111", "222222222222"
ORG = {POLICY: {"accountIds": [OWN_ACCOUNT]}}


def allow(principal=None, action="sts:AssumeRole", **extra):
    statement = {"Effect": "Allow", "Action": action, **extra}
    if principal is not None:
        statement["Principal"] = principal
    return statement


def role(record, policy, name="tvm-protected-role"):
    return record(ROLE, name, {"assumeRolePolicy": policy})


def messages(records, pack_config=None):
    return [v.message.split("\n", 1)[1] for v in analyze(records, pack_config) if v.policy == POLICY]


def test_service_principal_passes(record, trust_policy):
    assert analyze([role(record, trust_policy(allow({"Service": "lambda.amazonaws.com"})))]) == []


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111111111111:root", "*"]}])
def test_any_principal_fires(record, trust_policy, principal):
    resource = role(record, trust_policy(allow(principal, Sid="Anyone")))

    [violation] = analyze([resource])

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "mandatory", resource["urn"])
    assert 'statement "Anyone" trusts any principal ("*")' in violation.message


def test_not_principal_with_allow_fires(record, trust_policy):
    statement = allow(NotPrincipal={"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:role/admin"})

    assert messages([role(record, trust_policy(statement))]) == [
        "statement [0] uses NotPrincipal with Allow, which trusts every principal it does not list; "
        "list the trusted principals in Principal instead"]


@pytest.mark.parametrize("action", ["sts:*", "*", ["sts:TagSession", "STS:*"]])
def test_wildcard_action_fires(record, trust_policy, action):
    statement = allow({"Service": "lambda.amazonaws.com"}, action=action)

    [message] = messages([role(record, trust_policy(statement))])
    assert message.startswith("statement [0] allows action ")


def test_not_action_with_allow_fires(record, trust_policy):
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "NotAction": "iam:*"}

    assert messages([role(record, trust_policy(statement))]) == [
        "statement [0] uses NotAction with Allow, which allows every action it does not list; "
        "list the sts actions in Action instead"]


def test_deny_statements_are_not_trust(record, trust_policy):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}
    assert analyze([role(record, trust_policy(allow({"Service": "lambda.amazonaws.com"}), deny))]) == []


@pytest.mark.parametrize("principal", [OTHER_ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer",
                                       f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/deployer/session"])
def test_other_account_without_guard_fires(record, trust_policy, principal):
    resource = role(record, trust_policy(allow({"AWS": principal}, Sid="Partner")))

    assert messages([resource], ORG) == [
        f'statement "Partner" trusts {principal} in account {OTHER_ACCOUNT}, outside accountIds, '
        f"without an sts:ExternalId or aws:PrincipalOrgID condition; add one (or add the account to accountIds "
        f"if it is yours)"]


@pytest.mark.parametrize("condition", [{"StringEquals": {"sts:ExternalId": "partner-7"}},
                                       {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}])
def test_other_account_with_guard_passes(record, trust_policy, condition):
    statement = allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, Condition=condition)

    assert analyze([role(record, trust_policy(statement))], ORG) == []


def test_own_account_listed_in_account_ids_passes(record, trust_policy):
    statement = allow({"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:role/tvm-fn-role-1a2b3c4"})

    assert analyze([role(record, trust_policy(statement))], ORG) == []


def test_cross_account_check_is_skipped_without_account_ids(record, trust_policy):
    assert analyze([role(record, trust_policy(allow({"AWS": OTHER_ACCOUNT})))]) == []


def test_one_report_per_problem_each_naming_its_statement(record, trust_policy):
    policy = trust_policy(allow({"Service": "lambda.amazonaws.com"}, Sid="Lambda"),
                          allow("*", action="sts:*"))

    assert messages([role(record, policy)]) == [
        'statement [1] allows action "sts:*"; name the sts actions the role needs',
        'statement [1] trusts any principal ("*"); name the roles, accounts or services that may assume the role',
    ]


def test_policy_that_is_not_json_is_a_violation_not_a_crash(record):
    [message] = messages([role(record, "{not json")])

    assert message.startswith("assumeRolePolicy is not a valid policy document: not valid JSON")


def test_unknown_trust_policy_is_an_advisory_cant_run_diagnostic(record):
    resource = role(record, UNKNOWN)

    [violation] = [v for v in analyze([resource]) if v.policy == POLICY]

    assert (violation.policy, violation.level, violation.urn) == (POLICY, "advisory", resource["urn"])
    assert violation.message == (
        f"can't run policy '{POLICY}' from policy pack 'iam-platform-guardrails@v0.0.1' during preview: "
        "string value at .assumeRolePolicy can't be known during preview")
