"""Tests of policies/rules/rollout.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.rollout import ROLLOUT_CLEANUP_COMPLETE
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

ACCOUNT = "123456789012"


ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/verification-fn-role-1a2b3c4"


EXECUTION_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:execution-fn-function-5d6e7f8"


def stack(percent="100", permission=True, statement=None, tag_key="iam-platform:rollout-percent"):
    role_props = {"name": "verification-fn-role-1a2b3c4"}
    if statement is not None:
        role_props["inlinePolicies"] = [
            {"name": "direct", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
        ]
    role = resource("aws:iam/role:Role", "verification-fn-role", role_props, outputs={**role_props, "arn": ROLE_ARN})
    verification = resource(
        "aws:lambda/function:Function",
        "verification-fn-function",
        outputs={
            "role": ROLE_ARN,
            "tags": {tag_key: percent},
            "arn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:verification-fn-function-1",
        },
        property_dependencies={"role": [role]},
    )
    execution = resource(
        "aws:lambda/function:Function",
        "execution-fn-function",
        outputs={
            "name": "execution-fn-function-5d6e7f8",
            "arn": EXECUTION_ARN,
            "tagsAll": {"iam-platform:role": "execution"},
        },
    )
    resources = [role, verification, execution]
    if permission:
        resources.append(
            resource(
                "aws:lambda/permission:Permission",
                "execution-direct-invoke",
                {"function": "execution-fn-function-5d6e7f8", "principal": ROLE_ARN, "action": "lambda:InvokeFunction"},
            )
        )
    return resources


def test_direct_invoke_permission_left_at_100_fires():
    resources = stack("100")
    violation = assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources), "rollout-cleanup-complete", urn=resources[-1].urn, count=1
    )
    assert 'permission "execution-direct-invoke"' in violation.message and "remove it" in violation.message


@pytest.mark.parametrize("percent", ["0", "10", "50"])
def test_direct_invoke_permission_during_the_rollout_passes(percent):
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, stack(percent)))


def test_clean_stack_at_100_passes():
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, stack("100", permission=False)))


@pytest.mark.parametrize(
    "resources_", [EXECUTION_ARN, f"{EXECUTION_ARN}:*", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:execution-*"]
)
def test_identity_policy_granting_invoke_at_100_fires(resources_):
    statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resources_}
    resources = stack("100", permission=False, statement=statement)

    violation = assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources), ROLLOUT_CLEANUP_COMPLETE.name, urn=resources[0].urn
    )
    assert "inlinePolicies[0].policy" in violation.message


def test_identity_policy_for_another_function_passes():
    statement = {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:reports",
    }
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, stack("100", permission=False, statement=statement)))


def test_a_bad_percent_tag_fires():
    assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, stack("full")),
        ROLLOUT_CLEANUP_COMPLETE.name,
        contains="whole number from 0 to 100",
    )


def test_tag_names_come_from_config():
    resources = stack("100", tag_key="team:rollout")
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, resources))
    assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources, {"rolloutPercentTag": "team:rollout"}),
        ROLLOUT_CLEANUP_COMPLETE.name,
    )


def test_a_function_whose_role_is_unknown_is_not_tied_to_every_role_of_unknown_arn():
    """At preview a new role's ARN is unknown: the rule must not take every such role for the
    verification function's role (an unrelated role granting invoke is not a leftover)."""
    statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": EXECUTION_ARN}
    unrelated = resource(
        "aws:iam/role:Role",
        "reports-role",
        {
            "inlinePolicies": [
                {"name": "direct", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
            ]
        },
    )
    verification = resource(
        "aws:lambda/function:Function",
        "verification-fn-function",
        outputs={"tags": {"iam-platform:rollout-percent": "100"}},
    )
    execution = resource(
        "aws:lambda/function:Function",
        "execution-fn-function",
        outputs={
            "name": "execution-fn-function-5d6e7f8",
            "arn": EXECUTION_ARN,
            "tagsAll": {"iam-platform:role": "execution"},
        },
    )
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, [unrelated, verification, execution]))


REPORTS_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:reports"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "NotResource": [REPORTS_ARN]},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": EXECUTION_ARN},
        {"Effect": "Allow", "NotAction": ["iam:*", "lambda:InvokeAsync"], "Resource": "*"},
    ],
)
def test_not_resource_and_not_action_grants_at_100_fire(statement):
    resources = stack("100", permission=False, statement=statement)

    violation = assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources), ROLLOUT_CLEANUP_COMPLETE.name, urn=resources[0].urn, count=1
    )
    assert "inlinePolicies[0].policy" in violation.message and "remove it" in violation.message


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "NotResource": [EXECUTION_ARN, REPORTS_ARN]},
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "NotResource": "*"},
        {"Effect": "Allow", "NotAction": "lambda:*", "Resource": "*"},
    ],
)
def test_not_resource_or_not_action_leaving_the_function_out_passes(statement):
    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, stack("100", permission=False, statement=statement)))


@pytest.mark.parametrize("action", ["lambda:*", "*", "lambda:Invoke*"])
def test_a_permission_with_a_wildcard_action_fires(action):
    resources = stack("100", permission=False)
    permission = resource(
        "aws:lambda/permission:Permission",
        "execution-direct-invoke",
        {"function": "execution-fn-function-5d6e7f8", "principal": ROLE_ARN, "action": action},
    )

    assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources + [permission]),
        ROLLOUT_CLEANUP_COMPLETE.name,
        urn=permission.urn,
        count=1,
    )


def test_a_policy_in_the_roles_managed_policy_arns_fires():
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/direct-invoke-1a2b3c4"
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": EXECUTION_ARN}],
        }
    )
    policy = resource(
        "aws:iam/policy:Policy", "direct-invoke", {"policy": document}, outputs={"policy": document, "arn": policy_arn}
    )
    resources = stack("100", permission=False)
    resources[0].outputs["managedPolicyArns"] = [policy_arn]

    assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources + [policy]),
        ROLLOUT_CLEANUP_COMPLETE.name,
        urn=policy.urn,
        contains="direct-invoke",
    )


@pytest.mark.parametrize(
    "resource_, fires",
    [
        ("*", True),
        ("arn:*:lambda:*:*:function:*", True),
        ("arn:aws:lambda:*:*:function:execution-*", True),
        ("arn:aws:lambda:*:*:function:reports", False),
    ],
)
def test_at_preview_a_wildcard_resource_covers_the_function_whose_arn_is_unknown(resource_, fires):
    statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resource_}
    resources = stack("100", permission=False, statement=statement)
    resources[2].outputs["arn"] = UNKNOWN

    violations = run_policy(ROLLOUT_CLEANUP_COMPLETE, resources)
    if fires:
        assert_violates(violations, ROLLOUT_CLEANUP_COMPLETE.name, urn=resources[0].urn, contains=resource_)
    else:
        assert_passes(violations)


def test_an_unknown_principal_is_not_the_verification_role_whose_arn_is_unknown():
    resources = stack("100", permission=False)
    resources[0].outputs["arn"] = UNKNOWN
    other = resource(
        "aws:lambda/permission:Permission",
        "reports-invoke",
        {"function": "execution-fn-function-5d6e7f8", "principal": UNKNOWN, "action": "lambda:InvokeFunction"},
    )

    assert_passes(run_policy(ROLLOUT_CLEANUP_COMPLETE, resources + [other]))


def test_a_permission_linked_to_the_role_whose_arn_is_unknown_fires():
    resources = stack("100", permission=False)
    resources[0].outputs["arn"] = UNKNOWN
    permission = resource(
        "aws:lambda/permission:Permission",
        "execution-direct-invoke",
        {"function": "execution-fn-function-5d6e7f8", "principal": UNKNOWN, "action": "lambda:InvokeFunction"},
        property_dependencies={"principal": [resources[0]]},
    )

    assert_violates(
        run_policy(ROLLOUT_CLEANUP_COMPLETE, resources + [permission]),
        ROLLOUT_CLEANUP_COMPLETE.name,
        urn=permission.urn,
    )
