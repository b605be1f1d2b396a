"""AWS-managed admin policies attached, and privilege-escalation actions on "*" — through policies.testing."""

import json

import pytest

from policies.rules.iam_policies import NO_PRIVILEGE_ESCALATION, SCOPED_RESOURCES
from policies.rules.managed_policies import IAM_NO_ADMIN_MANAGED_POLICY
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

ACCOUNT = "123456789012"
ADMIN = "iam-no-admin-managed-policy"
ESCALATION = "iam-policy-no-privilege-escalation"


def managed(name):
    return f"arn:aws:iam::aws:policy/{name}"


# --- iam-no-admin-managed-policy ----------------------------------------------------------

ATTACHMENTS = [
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "app-role"}, "policyArn"),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", {"user": "alice"}, "policyArn"),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", {"group": "devs"}, "policyArn"),
    ("aws:iam/policyAttachment:PolicyAttachment", {"roles": ["app-role"], "users": ["alice"]}, "policyArn"),
    ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", {"roleName": "app-role"}, "policyArns"),
    ("aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", {"userName": "alice"}, "policyArns"),
    ("aws:iam/role:Role", {"assumeRolePolicy": "{}"}, "managedPolicyArns"),
]


def attachment(kind, arn, name="attach"):
    type_, props, key = kind
    return resource(type_, name, {**props, key: [arn] if key.endswith("s") else arn})


@pytest.mark.parametrize("kind", ATTACHMENTS, ids=lambda k: k[0].rsplit(":", 1)[-1])
@pytest.mark.parametrize("policy", ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess", "AmazonS3FullAccess",
                                    "AdministratorAccess-Amplify", "service-role/AWSCodeDeployFullAccess"])
def test_admin_and_full_access_policies_fire_on_every_attachment(kind, policy):
    violation = assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, managed(policy))),
                                ADMIN, count=1, level="mandatory")
    assert managed(policy) in violation.message and '"exemptions"' in violation.message


@pytest.mark.parametrize("kind", ATTACHMENTS, ids=lambda k: k[0].rsplit(":", 1)[-1])
@pytest.mark.parametrize("arn", [managed("ReadOnlyAccess"), managed("AmazonS3ReadOnlyAccess"),
                                 managed("service-role/AWSLambdaBasicExecutionRole"),
                                 f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"])
def test_read_only_service_and_customer_policies_pass(kind, arn):
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, arn)))


def test_the_china_and_govcloud_partitions_count():
    kind = ATTACHMENTS[0]
    for partition in ("aws-cn", "aws-us-gov"):
        assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY,
                                   attachment(kind, f"arn:{partition}:iam::aws:policy/AdministratorAccess")), ADMIN)


def test_exemptions_name_the_attachment_or_its_principal_and_allowed_arns_are_exceptions():
    kind = ATTACHMENTS[0]
    target = attachment(kind, managed("AdministratorAccess"), name="break-glass-admin")
    for name in ("break-glass-admin", "app-role"):
        assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, target,
                                 {"exemptions": [{"name": name, "reason": "audited break-glass access"}]}))
    s3 = attachment(kind, managed("AmazonS3FullAccess"))
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, s3, {"allowedPolicyArns": [managed("AmazonS3FullAccess")]}))
    assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, target,
                               {"allowedPolicyArns": [managed("AmazonS3FullAccess")]}), ADMIN)


def test_denied_policies_are_configurable():
    kind = ATTACHMENTS[0]
    config = {"deniedPolicyArns": ["arn:aws*:iam::aws:policy/job-function/*"]}
    assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY,
                               attachment(kind, managed("job-function/SystemAdministrator")), config), ADMIN)
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, managed("IAMFullAccess")), config))


def test_unknown_arns_and_other_resources_are_not_judged():
    role = resource("aws:iam/role:Role", "app", {"managedPolicyArns": [UNKNOWN, managed("PowerUserAccess")]})
    assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, role), ADMIN, contains="managedPolicyArns[1]", count=1)
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY,
                             resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a",
                                      {"role": "r", "policyArn": UNKNOWN})))
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, resource("aws:s3/bucket:Bucket", "b",
                                                                   {"policyArn": managed("AdministratorAccess")})))


# --- iam-policy-no-privilege-escalation ---------------------------------------------------

def identity(*statements, type_="aws:iam/policy:Policy", name="deployer"):
    return resource(type_, name, {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})})


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


@pytest.mark.parametrize("action", ["iam:PassRole", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                                    "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:PutRolePolicy",
                                    "iam:PutUserPolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
                                    "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:AddUserToGroup",
                                    "iam:*", "iam:Put*", "iam:pass*", "lambda:UpdateFunctionCode"])
def test_escalation_actions_on_star_fire(action):
    violation = assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, identity(allow(action))), ESCALATION,
                                count=1, level="mandatory")
    assert "privilege escalation" in violation.message and '"exemptions"' in violation.message


@pytest.mark.parametrize("resource_", [f"arn:aws:iam::{ACCOUNT}:role/*", "arn:aws:iam::*:user/*",
                                       f"arn:aws:iam::{ACCOUNT}:*"])
def test_account_wide_wildcard_arns_are_unscoped(resource_):
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, identity(allow("iam:PassRole", resource_))), ESCALATION)


def test_not_resource_is_unscoped():
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/admin"}
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, identity(statement)), ESCALATION, contains="NotResource")


def test_scoped_escalation_actions_deny_and_other_actions_pass():
    for statement in (allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-fn-role-1a2b3c4",
                            Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
                      allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"),
                      {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
                      allow(["lambda:CreateFunction", "dynamodb:CreateTable", "ecr:GetAuthorizationToken"])):
        assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, identity(statement)))


def test_role_inline_policies_are_judged_and_exemptions_hold():
    role = resource("aws:iam/role:Role", "ci", {"inlinePolicies": [
        {"name": "deploy", "policy": json.dumps({"Statement": [allow("iam:PassRole")]})}]})
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, role), ESCALATION, contains="inlinePolicies[0].policy")
    config = {"exemptions": [{"name": "ci", "reason": "the deployer role, reviewed"}]}
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, role, config))


def test_sts_assume_role_stays_with_scoped_resources():
    target = identity(allow("sts:AssumeRole"))
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, target))
    assert_violates(run_policy(SCOPED_RESOURCES, target), SCOPED_RESOURCES.name)


def test_escalation_actions_are_configurable():
    config = {"escalationActions": ["glue:UpdateDevEndpoint"]}
    assert_violates(run_policy(NO_PRIVILEGE_ESCALATION, identity(allow("glue:UpdateDevEndpoint")), config), ESCALATION)
    assert_passes(run_policy(NO_PRIVILEGE_ESCALATION, identity(allow("iam:PassRole")), config))
