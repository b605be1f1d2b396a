"""Tests of policies/rules/iam_validity.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.iam_validity import DOCUMENT_VALID
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCOUNT, SECRET, TVM_ROLE, allow, doc, identity


@pytest.mark.parametrize(
    "statement, code",
    [
        (allow("s3:GetObjekt", "arn:aws:s3:::bucket/*"), "Unknown action"),
        (allow("secretz:GetSecretValue", SECRET), "Unknown prefix"),
        (allow("secretsmanager:GetSecretValue", "arn:aws:s3:::bucket/*"), "No resources match"),
        (allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEqualz": {"aws:SourceVpce": "v"}}), "operator"),
        (
            allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEquals": {"s3:NoSuchKey": "v"}}),
            "Unknown condition",
        ),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "Malformed"),
    ],
)
def test_parliament_findings_fire(statement, code):
    violation = assert_violates(run_policy(DOCUMENT_VALID, identity(statement)), "iam-policy-document-valid")
    assert code.lower() in violation.message.lower()


def test_valid_identity_policy_passes():
    assert_passes(run_policy(DOCUMENT_VALID, identity(allow(["secretsmanager:GetSecretValue"], SECRET))))


def test_document_that_is_not_json_fires():
    bad = resource("aws:iam/policy:Policy", "p", {"policy": "{not json"})
    assert_violates(run_policy(DOCUMENT_VALID, bad), DOCUMENT_VALID.name, contains="not valid JSON")


def test_protected_role_trust_passes_parliament():
    # The TVM's protected-role trust: parliament would flag sts:SourceIdentity on sts:TagSession.
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": TVM_ROLE},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            "Condition": {"StringLike": {"sts:SourceIdentity": "sentinel.*"}},
        }
    )
    assert_passes(run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "protected", {"assumeRolePolicy": trust})))


def test_oidc_web_identity_trust_passes_parliament():
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"},
            },
        }
    )
    assert_passes(run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "reader", {"assumeRolePolicy": trust})))


def test_trust_policy_with_a_bad_condition_type_fires():
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:SourceArn": "not-an-arn"}, "NumericEquals": {"aws:SourceAccount": "x"}},
        }
    )
    assert_violates(
        run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "r", {"assumeRolePolicy": trust})),
        DOCUMENT_VALID.name,
        contains="mismatch",
    )


def test_unknown_document_is_a_cant_run_advisory():
    [violation] = run_policy(DOCUMENT_VALID, resource("aws:iam/rolePolicy:RolePolicy", "p", {"policy": UNKNOWN}))
    assert violation.level == "advisory" and "can't run" in violation.message


BUCKET = "arn:aws:s3:::assets"


TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/sessions"


@pytest.mark.parametrize(
    "statement",
    [
        # the AWS CDK's bucket.grantRead(): globs whose matches apply to the bucket or to its objects
        allow(["s3:GetObject*", "s3:GetBucket*", "s3:List*"], [BUCKET, f"{BUCKET}/*"]),
        # newer than parliament 1.6.4's data, which puts it on access points only
        allow("s3:GetObjectAttributes", f"{BUCKET}/*"),
        # the AWS CDK's table.grantReadData(): the stream actions on the table itself
        allow(
            [
                "dynamodb:BatchGetItem",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:Query",
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
            ],
            [TABLE, f"{TABLE}/index/*"],
        ),
        allow(["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:GetItem"], TABLE),
        # a model id with a colon
        allow(
            "bedrock:InvokeModel", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        ),
    ],
)
def test_standard_grants_are_valid(statement):
    assert_passes(run_policy(DOCUMENT_VALID, identity(statement)))


@pytest.mark.parametrize(
    "statement, action",
    [
        (allow(["s3:ListBucket", "s3:GetObject"], BUCKET), "s3:GetObject"),  # forgot "/*"
        (allow("s3:GetObject*", BUCKET), "s3:GetObject*"),  # no GetObject* applies to a bucket
        (allow("s3:ListAllMyBuckets", BUCKET), "s3:ListAllMyBuckets"),  # only on "*"
        (
            allow("secretsmanager:GetSecretValue", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd"),
            "secretsmanager:GetSecretValue",
        ),
    ],
)
def test_an_action_none_of_whose_matches_applies_is_a_mismatch(statement, action):
    violation = assert_violates(run_policy(DOCUMENT_VALID, identity(statement)), DOCUMENT_VALID.name, count=1)
    assert "No resources match" in violation.message and f'"action": "{action}"' in violation.message


def test_a_condition_key_newer_than_parliament_is_known():
    statement = allow(
        "lambda:InvokeFunction",
        f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:app",
        Condition={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
    )
    assert_passes(run_policy(DOCUMENT_VALID, identity(statement)))


def test_empty_sids_are_no_duplicates_but_equal_sids_are():
    # IAM accepts several statements with Sid "" (Terraform's jsonencode often writes them); not two "Read"s
    statement = allow("s3:GetObject", f"{BUCKET}/*", Sid="")
    assert_passes(
        run_policy(DOCUMENT_VALID, resource("aws:iam/policy:Policy", "p", {"policy": doc(statement, statement)}))
    )
    named = {**statement, "Sid": "Read"}
    assert_violates(
        run_policy(DOCUMENT_VALID, resource("aws:iam/policy:Policy", "p", {"policy": doc(named, named)})),
        DOCUMENT_VALID.name,
        contains="Duplicate Statement Id 'Read'",
    )


def test_a_glob_matching_nothing_is_unknown():
    violation = assert_violates(
        run_policy(DOCUMENT_VALID, identity(allow("s3:Gett*", f"{BUCKET}/*"))), DOCUMENT_VALID.name, count=1
    )
    assert "Unknown action s3:Gett*" in violation.message
