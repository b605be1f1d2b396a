"""Tests of policies/rules/tvm.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.tvm import PROTECTED_ROLE_TRUSTS_ONLY_TVM, TVM_ROLE_ASSUME_SCOPE
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import (
    ACCOUNT,
    PROTECTED_ARN,
    ROLE,
    SOURCE_IDENTITY,
    TVM_ACTIONS,
    TVM_ROLE,
    doc,
    tvm_role,
    tvm_trust,
)


def protected_role(*statements, arn=PROTECTED_ARN, name="protected-admin"):
    props = {"tags": {"iam-platform:protected": "true"}, "assumeRolePolicy": doc(*statements)}
    return resource(ROLE, name, props, outputs={**props, "arn": arn})


def test_the_tvm_branch_trust_passes():
    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), protected_role(tvm_trust())]))


def test_without_tag_session_passes():
    statement = tvm_trust(actions=["sts:AssumeRole", "sts:SetSourceIdentity"])
    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), protected_role(statement)]))


@pytest.mark.parametrize(
    "statement, expected",
    [
        (tvm_trust(condition=None), 'no StringLike sts:SourceIdentity "sentinel.*"'),
        (tvm_trust(condition={"StringLike": {"sts:SourceIdentity": "*"}}), "no StringLike sts:SourceIdentity"),
        (tvm_trust(condition={"StringEquals": {"sts:SourceIdentity": "sentinel.*"}}), "no StringLike"),
        (tvm_trust(actions=["sts:AssumeRole"]), "lacks sts:setsourceidentity"),
        (
            tvm_trust(actions=["sts:AssumeRole", "sts:SetSourceIdentity", "sts:AssumeRoleWithWebIdentity"]),
            "allows sts:assumerolewithwebidentity",
        ),
        (
            tvm_trust(principal=[TVM_ROLE, f"arn:aws:iam::{ACCOUNT}:role/admin"]),
            f"trusts arn:aws:iam::{ACCOUNT}:role/admin",
        ),
        (tvm_trust(principal=f"arn:aws:iam::{ACCOUNT}:root"), f"trusts arn:aws:iam::{ACCOUNT}:root"),
    ],
)
def test_a_trust_that_is_not_exactly_the_tvm_fires(statement, expected):
    protected = protected_role(statement)

    violation = assert_violates(
        run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), protected]),
        "protected-role-trusts-only-tvm",
        urn=protected.urn,
    )
    assert expected in violation.message
    assert TVM_ROLE in violation.message  # the fix names the TVM role


def test_a_second_allow_statement_fires():
    extra = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}

    assert_violates(
        run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), protected_role(tvm_trust(), extra)]),
        PROTECTED_ROLE_TRUSTS_ONLY_TVM.name,
        contains="lambda.amazonaws.com",
    )


def test_a_deny_statement_is_allowed():
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), protected_role(tvm_trust(), deny)]))


def test_no_tvm_role_in_the_stack_fires_unless_named_in_config():
    protected = protected_role(tvm_trust())

    assert_violates(
        run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [protected]),
        PROTECTED_ROLE_TRUSTS_ONLY_TVM.name,
        contains="no TVM role",
    )
    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [protected], {"tvmRoleArns": [TVM_ROLE]}))


def test_prefix_and_tags_come_from_config():
    tvm = resource(
        ROLE, "broker", {"tags": {"team:broker": "true"}}, outputs={"arn": TVM_ROLE, "tags": {"team:broker": "true"}}
    )
    protected = resource(
        ROLE,
        "admin",
        outputs={
            "tags": {"team:guarded": "true"},
            "assumeRolePolicy": doc(tvm_trust(condition={"StringLike": {"sts:SourceIdentity": "broker.*"}})),
        },
    )
    config = {"tvmRoleTag": "team:broker", "protectedRoleTag": "team:guarded", "sourceIdentityPrefix": "broker"}

    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm, protected], config))
    assert_violates(
        run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm, protected], {**config, "sourceIdentityPrefix": "x"}),
        PROTECTED_ROLE_TRUSTS_ONLY_TVM.name,
    )


def test_untagged_roles_are_not_checked():
    role = resource(ROLE, "other", {"assumeRolePolicy": doc(tvm_trust(principal="arn:aws:iam::1:root"))})
    assert_passes(run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), role]))


def test_tags_from_the_providers_tags_all_count():
    props = {
        "tagsAll": {"iam-platform:protected": "true"},
        "assumeRolePolicy": doc(tvm_trust(condition=None)),
        "arn": PROTECTED_ARN,
    }
    assert_violates(
        run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm_role(), resource(ROLE, "p", props)]),
        PROTECTED_ROLE_TRUSTS_ONLY_TVM.name,
    )


def test_unknown_tvm_arn_cannot_run_yet():
    tvm = resource(ROLE, "tvm", outputs={"tags": {"iam-platform:tvm": "true"}, "arn": UNKNOWN})
    [violation] = run_policy(PROTECTED_ROLE_TRUSTS_ONLY_TVM, [tvm, protected_role(tvm_trust())])
    assert violation.level == "advisory" and "can't run" in violation.message


def assume(resources, condition=SOURCE_IDENTITY, actions=TVM_ACTIONS):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def test_assume_only_protected_roles_with_source_identity_passes():
    stack = [tvm_role(assume([PROTECTED_ARN])), protected_role(tvm_trust())]
    assert_passes(run_policy(TVM_ROLE_ASSUME_SCOPE, stack))


def test_assume_through_a_role_policy_resource_is_checked():
    tvm = tvm_role()
    policy = resource(
        "aws:iam/rolePolicy:RolePolicy", "tvm-fn-policy", {"role": "tvm-fn-role-1a2b3c4", "policy": doc(assume("*"))}
    )

    violation = assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, policy, protected_role(tvm_trust())]),
        "tvm-role-assume-scope",
        urn=policy.urn,
    )
    assert "not only protected roles" in violation.message and PROTECTED_ARN in violation.message


def test_assume_through_an_attached_managed_policy_is_checked():
    tvm = tvm_role()
    managed = resource(
        "aws:iam/policy:Policy",
        "tvm-assume",
        {"policy": doc(assume([f"arn:aws:iam::{ACCOUNT}:role/*"]))},
        outputs={
            "policy": doc(assume([f"arn:aws:iam::{ACCOUNT}:role/*"])),
            "arn": f"arn:aws:iam::{ACCOUNT}:policy/tvm-assume",
        },
    )
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "tvm-assume-attach",
        {"role": "tvm-fn-role-1a2b3c4", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/tvm-assume"},
    )

    assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, managed, attachment, protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=managed.urn,
        contains="role/*",
    )


@pytest.mark.parametrize(
    "statement, expected",
    [
        (assume([PROTECTED_ARN], condition=None), "without a StringLike sts:SourceIdentity"),
        (assume([PROTECTED_ARN, f"arn:aws:iam::{ACCOUNT}:role/admin"]), "role/admin, not only protected roles"),
        (assume("*", actions="sts:*"), "not only protected roles"),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "NotAction"),
    ],
)
def test_assume_scope_problems_fire(statement, expected):
    violation = assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm_role(statement), protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
    )
    assert expected in violation.message


def test_other_tvm_permissions_are_not_this_policys_business():
    statement = {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:eu-west-1:1:table/s"}
    assert_passes(run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm_role(statement), protected_role(tvm_trust())]))


def test_without_a_tvm_role_nothing_is_checked():
    role = resource(ROLE, "app", {"inlinePolicies": [{"name": "x", "policy": doc(assume("*"))}]})
    assert_passes(run_policy(TVM_ROLE_ASSUME_SCOPE, [role]))


WIDE_ARN = f"arn:aws:iam::{ACCOUNT}:policy/tvm-wide-1a2b3c4"


def wide_policy(arn=WIDE_ARN):
    props = {"name": "tvm-wide-1a2b3c4", "policy": doc(assume("*"))}
    return resource("aws:iam/policy:Policy", "tvm-wide", props, outputs={**props, "arn": arn})


def tvm_role_with(**extra):
    props = {
        "name": "tvm-fn-role-1a2b3c4",
        "tags": {"iam-platform:tvm": "true"},
        "assumeRolePolicy": doc(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ),
        **extra,
    }
    return resource(ROLE, "tvm-fn-role", props, outputs={**props, "arn": TVM_ROLE})


def test_a_policy_in_managed_policy_arns_is_checked():
    policy = wide_policy()
    stack = [tvm_role_with(managedPolicyArns=[WIDE_ARN]), policy, protected_role(tvm_trust())]

    assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, stack),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=policy.urn,
        contains="not only protected roles",
    )


@pytest.mark.parametrize("linked", [True, False])
def test_a_policy_attached_by_a_policy_attachment_is_checked(linked):
    tvm, policy = tvm_role(), wide_policy()
    attachment = resource(
        "aws:iam/policyAttachment:PolicyAttachment",
        "tvm-wide-attach",
        {
            "name": "tvm-wide",
            "roles": [UNKNOWN if linked else "tvm-fn-role-1a2b3c4"],
            "policyArn": UNKNOWN if linked else WIDE_ARN,
        },
        property_dependencies={"roles": [tvm], "policyArn": [policy]} if linked else None,
    )

    assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, policy, attachment, protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=policy.urn,
        contains="not only protected roles",
    )


def test_a_policy_attached_by_role_policy_attachments_exclusive_is_checked():
    tvm, policy = tvm_role(), wide_policy()
    exclusive = resource(
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "tvm-exclusive",
        {"roleName": "tvm-fn-role-1a2b3c4", "policyArns": [WIDE_ARN]},
    )

    assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, policy, exclusive, protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=policy.urn,
        contains="not only protected roles",
    )


@pytest.mark.parametrize(
    "arn", ["arn:aws:iam::aws:policy/AdministratorAccess", f"arn:aws:iam::{ACCOUNT}:policy/declared-elsewhere"]
)
def test_an_aws_managed_or_external_policy_attached_to_the_tvm_fires(arn):
    tvm = tvm_role(assume([PROTECTED_ARN]))
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "tvm-admin",
        {"role": "tvm-fn-role-1a2b3c4", "policyArn": arn},
        property_dependencies={"role": [tvm]},
    )

    violation = assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, attachment, protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=attachment.urn,
        count=1,
    )
    assert arn in violation.message and "cannot be checked" in violation.message


def test_an_external_policy_in_managed_policy_arns_fires_on_the_role():
    tvm = tvm_role_with(managedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])

    assert_violates(
        run_policy(TVM_ROLE_ASSUME_SCOPE, [tvm, protected_role(tvm_trust())]),
        TVM_ROLE_ASSUME_SCOPE.name,
        urn=tvm.urn,
        contains="managedPolicyArns[0]",
    )


def test_attachments_to_other_roles_and_unknown_arns_are_not_the_tvms():
    tvm = tvm_role(assume([PROTECTED_ARN]))
    other = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "other-admin",
        {"role": "reports-role", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    unknown_role = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "unknown-admin",
        {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    unknown_policy = wide_policy(arn=UNKNOWN)
    unknown_arn = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "unknown-arn",
        {"role": "tvm-fn-role-1a2b3c4", "policyArn": UNKNOWN},
    )

    assert_passes(
        run_policy(
            TVM_ROLE_ASSUME_SCOPE, [tvm, other, unknown_role, unknown_policy, unknown_arn, protected_role(tvm_trust())]
        )
    )
