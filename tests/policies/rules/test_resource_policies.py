"""Tests of policies/rules/resource_policies.py, through policies.testing (the in-process harness)."""

import json

import pytest

from policies.rules.resource_policies import (
    RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED,
    RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL,
)
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

ACCOUNT = "111122223333"


OTHER = "444455556666"


PUBLIC = RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL.name


CROSS = RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED.name


HOLDERS = [
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sqs/queue:Queue",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topic:Topic",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:secretsmanager/secret:Secret",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:ecr/registryPolicy:RegistryPolicy",
]


LAYER = "aws:lambda/layerVersionPermission:LayerVersionPermission"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, condition=None, action="sqs:SendMessage", resource_="*"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource_}
    return {**statement, "Condition": condition} if condition else statement


def holder(statement, type_="aws:sqs/queuePolicy:QueuePolicy", name="jobs-policy"):
    return resource(type_, name, {"policy": doc(statement)})


def own_resource():
    """A resource whose ARN tells the stack's own account."""
    return resource("aws:sqs/queue:Queue", "jobs", {}, outputs={"arn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs"})


def layer(principal, organization=None, name="shared-layer"):
    props = {
        "layerName": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:shared",
        "versionNumber": 1,
        "principal": principal,
        "action": "lambda:GetLayerVersion",
        "statementId": "share",
    }
    if organization:
        props["organizationId"] = organization
    return resource(LAYER, name, props)


@pytest.mark.parametrize("type_", HOLDERS)
@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::123456789101:role/sqs", "*"]}, {"AWS": "arn:aws:iam::*:role/sqs"}],
)
def test_public_allow_fires_on_every_policy_holder(type_, principal):
    violation = assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, holder(allow(principal), type_)),
        PUBLIC,
        count=1,
        level="mandatory",
    )
    assert "aws:PrincipalOrgID" in violation.message and "exemptions" in violation.message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}},
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:events"}},
        {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
        {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    ],
)
def test_a_restricting_condition_makes_a_public_allow_acceptable(condition):
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, holder(allow("*", condition))))


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"aws:SourceIp": "192.168.143.0/24"}},  # still every account from that range
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}},  # true for a request without the key
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}},
        {"StringLike": {"aws:PrincipalOrgID": "*"}},
        {"StringEquals": {"aws:username": "pull-user-1"}},
    ],
)
def test_conditions_that_do_not_restrict_still_fire(condition):
    assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, holder(allow("*", condition))), PUBLIC)


def test_a_covering_deny_unless_org_makes_the_allow_acceptable():
    document = doc(
        allow("*", action="sqs:SendMessage", resource_="arn:aws:sqs:*:*:jobs"),
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        },
    )
    assert_passes(
        run_policy(
            RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, resource("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": document})
        )
    )


def test_named_principals_deny_and_no_policy_pass():
    for statement in (
        allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}),
        allow({"Service": "sns.amazonaws.com"}),
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"},
    ):
        assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, holder(statement)))
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, resource("aws:sqs/queue:Queue", "q", {})))
    assert_passes(
        run_policy(
            RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL,
            resource("aws:ecr/repositoryPolicy:RepositoryPolicy", "r", {"policy": ""}),
        )
    )


def test_not_principal_allow_fires():
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sns:Publish",
        "Resource": "*",
    }
    assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, holder(statement)), PUBLIC, contains="NotPrincipal")


def test_an_invalid_document_is_reported_with_the_fix():
    bad = resource("aws:sns/topicPolicy:TopicPolicy", "t", {"policy": "{not json"})
    assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, bad), PUBLIC, contains="not a valid policy document"
    )


def test_an_exempt_resource_passes():
    config = {"exemptions": [{"name": "public-feed", "reason": "a public announcements topic"}]}
    target = holder(allow("*", action="sns:Subscribe"), "aws:sns/topic:Topic", name="public-feed")
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, target, config))


def test_an_unknown_policy_is_an_advisory_cant_run():
    target = resource("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": UNKNOWN})
    assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, target), PUBLIC, level="advisory")


def test_a_layer_shared_with_everyone_fires_and_with_the_organisation_passes():
    assert_violates(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, layer("*")), PUBLIC, contains="organization_id")
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, layer("*", organization="o-abc123")))
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, layer(OTHER)))


@pytest.mark.parametrize("type_", HOLDERS)
@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{OTHER}:root"},
        {"AWS": OTHER},
        {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/app", f"arn:aws:iam::{OTHER}:role/ci"]},
    ],
)
def test_another_accounts_principal_fires(type_, principal):
    violation = assert_violates(
        run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [own_resource(), holder(allow(principal), type_)]),
        CROSS,
        count=1,
    )
    assert f"account {OTHER}" in violation.message and ACCOUNT in violation.message
    assert violation.urn.endswith("::jobs-policy")


def test_the_organisation_condition_or_own_account_passes():
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert_passes(
        run_policy(
            RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED,
            [own_resource(), holder(allow({"AWS": f"arn:aws:iam::{OTHER}:root"}, org))],
        )
    )
    assert_passes(
        run_policy(
            RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED,
            [own_resource(), holder(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))],
        )
    )


def test_account_ids_setting_overrides_the_inferred_accounts():
    target = [own_resource(), holder(allow({"AWS": f"arn:aws:iam::{OTHER}:root"}))]
    assert_passes(run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, target, {"accountIds": [ACCOUNT, OTHER]}))
    assert_violates(
        run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, target, {"accountIds": ["999988887777"]}),
        CROSS,
        contains="outside accountIds",
        count=1,
    )


def test_without_known_accounts_the_check_is_skipped():
    assert_passes(run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [holder(allow({"AWS": OTHER}))]))


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": OTHER}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:eu-west-1:{OTHER}:events"}},
    ],
)
def test_a_public_allow_narrowed_to_another_account_fires(condition):
    assert_violates(
        run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [own_resource(), holder(allow("*", condition))]),
        CROSS,
        contains=OTHER,
    )


def test_layer_permissions_to_other_accounts_need_an_organisation():
    assert_violates(
        run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [own_resource(), layer(OTHER)]),
        CROSS,
        contains=f"with account {OTHER}",
    )
    assert_passes(run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [own_resource(), layer(ACCOUNT)]))
    assert_passes(run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, [own_resource(), layer("*", "o-abc123")]))


def test_an_exempt_resource_and_an_unknown_policy():
    target = [own_resource(), holder(allow({"AWS": OTHER}), name="partner-feed")]
    config = {"exemptions": [{"name": "partner-feed", "reason": "contracted partner reads it"}]}
    assert_passes(run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, target, config))
    unknown = [
        own_resource(),
        resource("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": UNKNOWN}),
        holder(allow({"AWS": OTHER})),
    ]
    violations = run_policy(RESOURCE_POLICY_CROSS_ACCOUNT_GUARDED, unknown)
    assert_violates(violations, CROSS, level="mandatory", contains=OTHER)
    assert_violates(violations, CROSS, level="advisory")
