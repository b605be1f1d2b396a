"""Tests of policies/rules/iam_policies.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.iam_policies import (
    NO_LIST_SECRETS,
    NO_PRIVILEGE_ESCALATION,
    NO_WILDCARD_ACTIONS,
    SCOPED_RESOURCES,
)
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCOUNT, SECRET, TVM_ROLE, allow, doc, identity

IDENTITY_TYPES = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]


def inline_role(statement, name="app-role"):
    return resource(
        "aws:iam/role:Role",
        name,
        {
            "assumeRolePolicy": doc(
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ),
            "inlinePolicies": [{"name": "inline", "policy": doc(statement)}],
        },
    )


@pytest.mark.parametrize("type_", IDENTITY_TYPES)
@pytest.mark.parametrize("action", ["*", "s3:*", ["logs:PutLogEvents", "secretsmanager:*"]])
def test_wildcard_actions_fire_on_every_identity_policy_type(type_, action):
    violations = run_policy(NO_WILDCARD_ACTIONS, identity(allow(action, SECRET), type_))

    violation = assert_violates(violations, "iam-policy-no-wildcard-actions", count=1)
    assert "list the actions" in violation.message


def test_role_inline_policies_are_checked():
    violation = assert_violates(run_policy(NO_WILDCARD_ACTIONS, inline_role(allow("*"))), NO_WILDCARD_ACTIONS.name)
    assert "inlinePolicies[0].policy" in violation.message


def test_not_action_allow_fires_and_deny_wildcards_pass():
    assert_violates(
        run_policy(NO_WILDCARD_ACTIONS, identity({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        NO_WILDCARD_ACTIONS.name,
        contains="NotAction",
    )
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity({"Effect": "Deny", "Action": "*", "Resource": "*"})))


def test_named_and_prefix_wildcard_actions_pass():
    assert_passes(
        run_policy(NO_WILDCARD_ACTIONS, identity(allow(["secretsmanager:GetSecretValue", "s3:Get*"], SECRET)))
    )


def test_exempt_policy_passes():
    config = {"exemptions": [{"name": "break-glass", "reason": "audited emergency access"}]}
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity(allow("*"), name="break-glass"), config))


@pytest.mark.parametrize(
    "action",
    [
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
        "sts:AssumeRole",
        "ssm:GetParameter",
        "dynamodb:PutItem",
        "lambda:InvokeFunction",
        "execute-api:Invoke",
        "secretsmanager:Get*",
        "kms:GenerateDataKey*",
    ],
)
def test_sensitive_actions_on_star_fire(action):
    violation = assert_violates(run_policy(SCOPED_RESOURCES, identity(allow(action))), "iam-policy-scoped-resources")
    assert 'on Resource "*"' in violation.message


def test_effectively_star_arns_and_not_resource_fire():
    assert_violates(
        run_policy(
            SCOPED_RESOURCES, identity(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*"))
        ),
        SCOPED_RESOURCES.name,
    )
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": "arn:aws:kms:eu-west-1:1:key/x"}
    assert_violates(run_policy(SCOPED_RESOURCES, identity(statement)), SCOPED_RESOURCES.name, contains="NotResource")


@pytest.mark.parametrize(
    "action", ["xray:PutTraceSegments", "secretsmanager:ListSecrets", "sts:GetCallerIdentity", "logs:DescribeLogGroups"]
)
def test_actions_aws_cannot_scope_may_use_star(action):
    assert_passes(run_policy(SCOPED_RESOURCES, identity(allow(action))))


@pytest.mark.parametrize(
    "action, resource_arn",
    [
        ("s3:GetObject", "*"),
        ("s3:Get*", "arn:aws:s3:::*/*"),
        ("lambda:GetFunction", "*"),
        ("logs:GetLogEvents", "arn:aws:logs:*:*:*"),
        ("sqs:ReceiveMessage", "*"),
    ],
)
def test_data_reads_of_every_service_on_star_fire(action, resource_arn):
    violation = assert_violates(
        run_policy(SCOPED_RESOURCES, identity(allow(action, resource_arn))), SCOPED_RESOURCES.name, count=1
    )
    assert f'on Resource "{resource_arn}"' in violation.message and "buckets" in violation.message


@pytest.mark.parametrize(
    "action", ["ec2:CreateNetworkInterface", "ec2:Describe*", "logs:PutLogEvents", "cloudwatch:GetMetricData"]
)
def test_writes_lists_and_unscopable_reads_on_star_pass(action):
    # what AWS's own Lambda VPC and basic execution policies grant on "*"
    assert_passes(run_policy(SCOPED_RESOURCES, identity(allow(action))))


def test_access_levels_are_configurable():
    statement = identity(allow("ec2:CreateNetworkInterface"))
    assert_violates(run_policy(SCOPED_RESOURCES, statement, {"accessLevels": ["Read", "Write"]}), SCOPED_RESOURCES.name)
    assert_passes(run_policy(SCOPED_RESOURCES, identity(allow("s3:GetObject")), {"accessLevels": []}))


@pytest.mark.parametrize("action", ["s3:PutObject", "sns:Publish", "ec2:TerminateInstances"])
def test_not_resource_is_judged_for_every_service(action):
    statement = {"Effect": "Allow", "Action": action, "NotResource": "arn:aws:s3:::private/*"}
    assert_violates(run_policy(SCOPED_RESOURCES, identity(statement)), SCOPED_RESOURCES.name, contains="NotResource")


def test_sensitive_actions_on_named_resources_pass():
    assert_passes(run_policy(SCOPED_RESOURCES, identity(allow(["secretsmanager:GetSecretValue"], [SECRET]))))
    assert_passes(run_policy(SCOPED_RESOURCES, inline_role(allow("sts:AssumeRole", TVM_ROLE))))


@pytest.mark.parametrize("action", ["secretsmanager:ListSecrets", "secretsmanager:List*", "secretsmanager:*"])
def test_list_secrets_fires(action):
    violation = assert_violates(run_policy(NO_LIST_SECRETS, identity(allow(action))), "iam-no-list-secrets")
    assert violation.level == "advisory" and "by its ARN" in violation.message


def test_reading_a_known_secret_passes():
    assert_passes(
        run_policy(
            NO_LIST_SECRETS, identity(allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], SECRET))
        )
    )


@pytest.mark.parametrize(
    "policy, expected",
    [
        (NO_WILDCARD_ACTIONS, 'allows "*"'),
        (SCOPED_RESOURCES, 'on Resource "*"'),
        (NO_LIST_SECRETS, "secretsmanager:ListSecrets"),
    ],
)
@pytest.mark.parametrize("unknown_first", [True, False])
def test_known_inline_policies_are_checked_before_an_unknown_one(policy, expected, unknown_first):
    known = {"name": "wide", "policy": doc(allow("*"))}
    unknown = {"name": "later", "policy": UNKNOWN}
    role = resource(
        "aws:iam/role:Role",
        "app-role",
        {
            "assumeRolePolicy": doc(
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ),
            "inlinePolicies": [unknown, known] if unknown_first else [known, unknown],
        },
    )

    violations = run_policy(policy, role)

    index = 1 if unknown_first else 0
    assert [v.level for v in violations] == [policy.enforcement_level.value, "advisory"]
    assert expected in violations[0].message and f"inlinePolicies[{index}].policy" in violations[0].message
    assert "can't run" in violations[1].message


ESCALATION = "iam-policy-no-privilege-escalation"


def managed_policy(*statements, type_="aws:iam/policy:Policy", name="deployer"):
    return resource(type_, name, {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})})


@pytest.mark.parametrize(
    "action",
    [
        "iam:PassRole",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:PutUserPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreateAccessKey",
        "iam:AddUserToGroup",
        "iam:*",
        "iam:Put*",
        "iam:pass*",
        "lambda:UpdateFunctionCode",
    ],
)
def test_escalation_actions_on_star_fire(action):
    violation = assert_violates(
        run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(allow(action))), ESCALATION, count=1, level="mandatory"
    )
    assert "privilege escalation" in violation.message and '"exemptions"' in violation.message


@pytest.mark.parametrize(
    "resource_", [f"arn:aws:iam::{ACCOUNT}:role/*", "arn:aws:iam::*:user/*", f"arn:aws:iam::{ACCOUNT}:*"]
)
def test_account_wide_wildcard_arns_are_unscoped(resource_):
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(allow("iam:PassRole", resource_))), ESCALATION)


def test_not_resource_is_unscoped():
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/admin"}
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(statement)), ESCALATION, contains="NotResource")


def test_scoped_escalation_actions_deny_and_other_actions_pass():
    for statement in (
        allow(
            "iam:PassRole",
            f"arn:aws:iam::{ACCOUNT}:role/app-fn-role-1a2b3c4",
            Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
        allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"),
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        allow(["lambda:CreateFunction", "dynamodb:CreateTable", "ecr:GetAuthorizationToken"]),
    ):
        assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(statement)))


def test_role_inline_policies_are_judged_and_exemptions_hold():
    role = resource(
        "aws:iam/role:Role",
        "ci",
        {"inlinePolicies": [{"name": "deploy", "policy": json.dumps({"Statement": [allow("iam:PassRole")]})}]},
    )
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, role), ESCALATION, contains="inlinePolicies[0].policy")
    config = {"exemptions": [{"name": "ci", "reason": "the deployer role, reviewed"}]}
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, role, config))


def test_sts_assume_role_stays_with_scoped_resources():
    target = managed_policy(allow("sts:AssumeRole"))
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, target))
    assert_violates(run_policy(SCOPED_RESOURCES, target), SCOPED_RESOURCES.name)


def test_escalation_actions_are_configurable():
    config = {"escalationActions": ["glue:UpdateDevEndpoint"]}
    assert_violates(
        run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(allow("glue:UpdateDevEndpoint")), config), ESCALATION
    )
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, managed_policy(allow("iam:PassRole")), config))
