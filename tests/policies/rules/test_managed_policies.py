"""Tests of policies/rules/managed_policies.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.managed_policies import IAM_NO_ADMIN_MANAGED_POLICY
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCOUNT

ADMIN = "iam-no-admin-managed-policy"


def managed(name):
    return f"arn:aws:iam::aws:policy/{name}"


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
@pytest.mark.parametrize(
    "policy",
    [
        "AdministratorAccess",
        "IAMFullAccess",
        "PowerUserAccess",
        "AmazonS3FullAccess",
        "AdministratorAccess-Amplify",
        "service-role/AWSCodeDeployFullAccess",
    ],
)
def test_admin_and_full_access_policies_fire_on_every_attachment(kind, policy):
    violation = assert_violates(
        run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, managed(policy))), ADMIN, count=1, level="mandatory"
    )
    assert managed(policy) in violation.message and '"exemptions"' in violation.message


@pytest.mark.parametrize("kind", ATTACHMENTS, ids=lambda k: k[0].rsplit(":", 1)[-1])
@pytest.mark.parametrize(
    "arn",
    [
        managed("ReadOnlyAccess"),
        managed("AmazonS3ReadOnlyAccess"),
        managed("service-role/AWSLambdaBasicExecutionRole"),
        f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess",
    ],
)
def test_read_only_service_and_customer_policies_pass(kind, arn):
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, arn)))


def test_the_china_and_govcloud_partitions_count():
    kind = ATTACHMENTS[0]
    for partition in ("aws-cn", "aws-us-gov"):
        assert_violates(
            run_policy(
                IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, f"arn:{partition}:iam::aws:policy/AdministratorAccess")
            ),
            ADMIN,
        )


def test_exemptions_name_the_attachment_or_its_principal_and_allowed_arns_are_exceptions():
    kind = ATTACHMENTS[0]
    target = attachment(kind, managed("AdministratorAccess"), name="break-glass-admin")
    for name in ("break-glass-admin", "app-role"):
        assert_passes(
            run_policy(
                IAM_NO_ADMIN_MANAGED_POLICY,
                target,
                {"exemptions": [{"name": name, "reason": "audited break-glass access"}]},
            )
        )
    s3 = attachment(kind, managed("AmazonS3FullAccess"))
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, s3, {"allowedPolicyArns": [managed("AmazonS3FullAccess")]}))
    assert_violates(
        run_policy(IAM_NO_ADMIN_MANAGED_POLICY, target, {"allowedPolicyArns": [managed("AmazonS3FullAccess")]}), ADMIN
    )


def test_denied_policies_are_configurable():
    kind = ATTACHMENTS[0]
    config = {"deniedPolicyArns": ["arn:aws*:iam::aws:policy/job-function/*"]}
    assert_violates(
        run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, managed("job-function/SystemAdministrator")), config),
        ADMIN,
    )
    assert_passes(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, attachment(kind, managed("IAMFullAccess")), config))


def test_unknown_arns_and_other_resources_are_not_judged():
    role = resource("aws:iam/role:Role", "app", {"managedPolicyArns": [UNKNOWN, managed("PowerUserAccess")]})
    assert_violates(run_policy(IAM_NO_ADMIN_MANAGED_POLICY, role), ADMIN, contains="managedPolicyArns[1]", count=1)
    assert_passes(
        run_policy(
            IAM_NO_ADMIN_MANAGED_POLICY,
            resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {"role": "r", "policyArn": UNKNOWN}),
        )
    )
    assert_passes(
        run_policy(
            IAM_NO_ADMIN_MANAGED_POLICY,
            resource("aws:s3/bucket:Bucket", "b", {"policyArn": managed("AdministratorAccess")}),
        )
    )
