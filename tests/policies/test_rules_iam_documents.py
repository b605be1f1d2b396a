"""Identity and trust documents: wildcards, scope, validity (parliament), ListSecrets, access keys,
confused deputy — through policies.testing."""

import json

import pytest

from policies.rules.iam_policies import (
    NO_LIST_SECRETS,
    NO_WILDCARD_ACTIONS,
    SCOPED_RESOURCES,
    USER_ACCESS_KEY_PRESENT,
)
from policies.rules.iam_trust import TRUST_SERVICE_CONDITIONS
from policies.rules.iam_validity import DOCUMENT_VALID
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy

ACCOUNT = "123456789012"
SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app/db-AbCdEf"
TVM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/tvm-fn-role-1a2b3c4"
IDENTITY_TYPES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                  "aws:iam/groupPolicy:GroupPolicy"]


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def identity(statement, type_="aws:iam/rolePolicy:RolePolicy", name="app-policy"):
    return resource(type_, name, {"policy": doc(statement), "role": "app-role-1a2b3c4"})


def inline_role(statement, name="app-role"):
    return resource("aws:iam/role:Role", name, {
        "assumeRolePolicy": doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                 "Action": "sts:AssumeRole"}),
        "inlinePolicies": [{"name": "inline", "policy": doc(statement)}]})


# --- iam-policy-no-wildcard-actions ------------------------------------------------------

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
    assert_violates(run_policy(NO_WILDCARD_ACTIONS, identity({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
                    NO_WILDCARD_ACTIONS.name, contains="NotAction")
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity({"Effect": "Deny", "Action": "*", "Resource": "*"})))


def test_named_and_prefix_wildcard_actions_pass():
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity(allow(["secretsmanager:GetSecretValue", "s3:Get*"], SECRET))))


def test_exempt_policy_passes():
    config = {"exemptions": [{"name": "break-glass", "reason": "audited emergency access"}]}
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity(allow("*"), name="break-glass"), config))


# --- iam-policy-scoped-resources ---------------------------------------------------------

@pytest.mark.parametrize("action", ["secretsmanager:GetSecretValue", "kms:Decrypt", "sts:AssumeRole",
                                    "ssm:GetParameter", "dynamodb:PutItem", "lambda:InvokeFunction",
                                    "execute-api:Invoke", "secretsmanager:Get*", "kms:GenerateDataKey*"])
def test_sensitive_actions_on_star_fire(action):
    violation = assert_violates(run_policy(SCOPED_RESOURCES, identity(allow(action))), "iam-policy-scoped-resources")
    assert 'on Resource "*"' in violation.message


def test_effectively_star_arns_and_not_resource_fire():
    assert_violates(run_policy(SCOPED_RESOURCES, identity(allow("secretsmanager:GetSecretValue",
                                                                  "arn:aws:secretsmanager:*:*:secret:*"))),
                    SCOPED_RESOURCES.name)
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": "arn:aws:kms:eu-west-1:1:key/x"}
    assert_violates(run_policy(SCOPED_RESOURCES, identity(statement)), SCOPED_RESOURCES.name, contains="NotResource")


@pytest.mark.parametrize("action", ["xray:PutTraceSegments", "secretsmanager:ListSecrets", "sts:GetCallerIdentity",
                                    "logs:DescribeLogGroups"])
def test_actions_aws_cannot_scope_may_use_star(action):
    assert_passes(run_policy(SCOPED_RESOURCES, identity(allow(action))))


@pytest.mark.parametrize("action, resource_arn", [
    ("s3:GetObject", "*"), ("s3:Get*", "arn:aws:s3:::*/*"), ("lambda:GetFunction", "*"),
    ("logs:GetLogEvents", "arn:aws:logs:*:*:*"), ("sqs:ReceiveMessage", "*"),
])
def test_data_reads_of_every_service_on_star_fire(action, resource_arn):
    violation = assert_violates(run_policy(SCOPED_RESOURCES, identity(allow(action, resource_arn))),
                                SCOPED_RESOURCES.name, count=1)
    assert f'on Resource "{resource_arn}"' in violation.message and "buckets" in violation.message


@pytest.mark.parametrize("action", ["ec2:CreateNetworkInterface", "ec2:Describe*", "logs:PutLogEvents",
                                    "cloudwatch:GetMetricData"])
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


# --- iam-policy-document-valid -----------------------------------------------------------

@pytest.mark.parametrize("statement, code", [
    (allow("s3:GetObjekt", "arn:aws:s3:::bucket/*"), "Unknown action"),
    (allow("secretz:GetSecretValue", SECRET), "Unknown prefix"),
    (allow("secretsmanager:GetSecretValue", "arn:aws:s3:::bucket/*"), "No resources match"),
    (allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEqualz": {"aws:SourceVpce": "v"}}), "operator"),
    (allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEquals": {"s3:NoSuchKey": "v"}}), "Unknown condition"),
    ({"Effect": "Allow", "Action": "s3:GetObject"}, "Malformed"),
])
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
    trust = doc({"Effect": "Allow", "Principal": {"AWS": TVM_ROLE},
                 "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                 "Condition": {"StringLike": {"sts:SourceIdentity": "sentinel.*"}}})
    assert_passes(run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "protected", {"assumeRolePolicy": trust})))


def test_oidc_web_identity_trust_passes_parliament():
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    trust = doc({"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                               "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}})
    assert_passes(run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "reader", {"assumeRolePolicy": trust})))


def test_trust_policy_with_a_bad_condition_type_fires():
    trust = doc({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
                 "Condition": {"ArnLike": {"aws:SourceArn": "not-an-arn"}, "NumericEquals": {"aws:SourceAccount": "x"}}})
    assert_violates(run_policy(DOCUMENT_VALID, resource("aws:iam/role:Role", "r", {"assumeRolePolicy": trust})),
                    DOCUMENT_VALID.name, contains="mismatch")


def test_unknown_document_is_a_cant_run_advisory():
    [violation] = run_policy(DOCUMENT_VALID, resource("aws:iam/rolePolicy:RolePolicy", "p", {"policy": UNKNOWN}))
    assert violation.level == "advisory" and "can't run" in violation.message


# --- iam-no-list-secrets -----------------------------------------------------------------

@pytest.mark.parametrize("action", ["secretsmanager:ListSecrets", "secretsmanager:List*", "secretsmanager:*"])
def test_list_secrets_fires(action):
    violation = assert_violates(run_policy(NO_LIST_SECRETS, identity(allow(action))), "iam-no-list-secrets")
    assert violation.level == "advisory" and "by its ARN" in violation.message


def test_reading_a_known_secret_passes():
    assert_passes(run_policy(NO_LIST_SECRETS, identity(allow(["secretsmanager:GetSecretValue",
                                                              "secretsmanager:DescribeSecret"], SECRET))))


# --- iam-user-access-key-present ---------------------------------------------------------

def test_access_key_fires_and_exemption_passes():
    key = resource("aws:iam/accessKey:AccessKey", "reader-key", {"user": "external-reader"})

    violation = assert_violates(run_policy(USER_ACCESS_KEY_PRESENT, key), "iam-user-access-key-present")
    assert 'user "external-reader"' in violation.message and "OIDC" in violation.message
    config = {"exemptions": [{"name": "external-reader", "reason": "vendor cannot federate; rotated quarterly"}]}
    assert_passes(run_policy(USER_ACCESS_KEY_PRESENT, key, config))


def test_a_user_without_key_passes():
    assert_passes(run_policy(USER_ACCESS_KEY_PRESENT, resource("aws:iam/user:User", "external-reader", {})))


# --- iam-role-trust-service-conditions ---------------------------------------------------

def service_role(service, condition=None):
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return resource("aws:iam/role:Role", "svc-role", {"assumeRolePolicy": doc(statement)})


@pytest.mark.parametrize("service", ["events.amazonaws.com", "scheduler.amazonaws.com", "logs.eu-west-1.amazonaws.com"])
def test_cross_account_service_without_source_condition_fires(service):
    violation = assert_violates(run_policy(TRUST_SERVICE_CONDITIONS, service_role(service)),
                                "iam-role-trust-service-conditions")
    assert violation.level == "advisory" and "aws:SourceAccount" in violation.message


@pytest.mark.parametrize("condition", [{"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                                       {"ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/x"}}])
def test_conditioned_service_passes(condition):
    assert_passes(run_policy(TRUST_SERVICE_CONDITIONS, service_role("events.amazonaws.com", condition)))


def test_lambda_execution_role_passes():
    assert_passes(run_policy(TRUST_SERVICE_CONDITIONS, service_role("lambda.amazonaws.com")))


# --- a document not known yet does not hide the known ones ---------------------------------

@pytest.mark.parametrize("policy, expected", [(NO_WILDCARD_ACTIONS, 'allows "*"'),
                                              (SCOPED_RESOURCES, 'on Resource "*"'),
                                              (NO_LIST_SECRETS, "secretsmanager:ListSecrets")])
@pytest.mark.parametrize("unknown_first", [True, False])
def test_known_inline_policies_are_checked_before_an_unknown_one(policy, expected, unknown_first):
    known = {"name": "wide", "policy": doc(allow("*"))}
    unknown = {"name": "later", "policy": UNKNOWN}
    role = resource("aws:iam/role:Role", "app-role", {
        "assumeRolePolicy": doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                 "Action": "sts:AssumeRole"}),
        "inlinePolicies": [unknown, known] if unknown_first else [known, unknown]})

    violations = run_policy(policy, role)

    index = 1 if unknown_first else 0
    assert [v.level for v in violations] == [policy.enforcement_level.value, "advisory"]
    assert expected in violations[0].message and f"inlinePolicies[{index}].policy" in violations[0].message
    assert "can't run" in violations[1].message


# --- iam-policy-document-valid: AWS's reference, action globs ------------------------------

BUCKET = "arn:aws:s3:::assets"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/sessions"


@pytest.mark.parametrize("statement", [
    # the AWS CDK's bucket.grantRead(): globs whose matches apply to the bucket or to its objects
    allow(["s3:GetObject*", "s3:GetBucket*", "s3:List*"], [BUCKET, f"{BUCKET}/*"]),
    # newer than parliament 1.6.4's data, which puts it on access points only
    allow("s3:GetObjectAttributes", f"{BUCKET}/*"),
    # the AWS CDK's table.grantReadData(): the stream actions on the table itself
    allow(["dynamodb:BatchGetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:Query",
           "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"],
          [TABLE, f"{TABLE}/index/*"]),
    allow(["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:GetItem"], TABLE),
    # a model id with a colon
    allow("bedrock:InvokeModel", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"),
])
def test_standard_grants_are_valid(statement):
    assert_passes(run_policy(DOCUMENT_VALID, identity(statement)))


@pytest.mark.parametrize("statement, action", [
    (allow(["s3:ListBucket", "s3:GetObject"], BUCKET), "s3:GetObject"),   # forgot "/*"
    (allow("s3:GetObject*", BUCKET), "s3:GetObject*"),                     # no GetObject* applies to a bucket
    (allow("s3:ListAllMyBuckets", BUCKET), "s3:ListAllMyBuckets"),         # only on "*"
    (allow("secretsmanager:GetSecretValue", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd"),
     "secretsmanager:GetSecretValue"),
])
def test_an_action_none_of_whose_matches_applies_is_a_mismatch(statement, action):
    violation = assert_violates(run_policy(DOCUMENT_VALID, identity(statement)), DOCUMENT_VALID.name, count=1)
    assert "No resources match" in violation.message and f'"action": "{action}"' in violation.message


def test_a_condition_key_newer_than_parliament_is_known():
    statement = allow("lambda:InvokeFunction", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:app",
                      Condition={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}})
    assert_passes(run_policy(DOCUMENT_VALID, identity(statement)))


def test_empty_sids_are_no_duplicates_but_equal_sids_are():
    # IAM accepts several statements with Sid "" (Terraform's jsonencode often writes them); not two "Read"s
    statement = allow("s3:GetObject", f"{BUCKET}/*", Sid="")
    assert_passes(run_policy(DOCUMENT_VALID, resource("aws:iam/policy:Policy", "p", {"policy": doc(statement, statement)})))
    named = {**statement, "Sid": "Read"}
    assert_violates(run_policy(DOCUMENT_VALID, resource("aws:iam/policy:Policy", "p", {"policy": doc(named, named)})),
                    DOCUMENT_VALID.name, contains="Duplicate Statement Id 'Read'")


def test_a_glob_matching_nothing_is_unknown():
    violation = assert_violates(run_policy(DOCUMENT_VALID, identity(allow("s3:Gett*", f"{BUCKET}/*"))),
                                DOCUMENT_VALID.name, count=1)
    assert "Unknown action s3:Gett*" in violation.message
