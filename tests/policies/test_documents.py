"""Conditions only restrict under a positive operator (or a negated one on a "Deny unless"), never
...IfExists, Null or a catch-all value; account-wide wildcard ARNs; the AWS managed secrets key by
ARN; permissions whose sourceArn matches any account; action wildcards of only * and ?."""

import json

import pytest

from policies.documents import parse_policy_document
from policies.rules.apigateway import RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL
from policies.rules.iam_policies import NO_WILDCARD_ACTIONS, SCOPED_RESOURCES
from policies.rules.iam_trust import TRUST_NO_WILDCARD, TRUST_SERVICE_CONDITIONS
from policies.rules.lambda_permissions import PERMISSION_HAS_SOURCE_ARN
from policies.rules.secrets_kms import KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, SECRET_ENCRYPTED_WITH_CMK
from policies.testing import assert_passes, assert_violates, resource, run_policy

ACCOUNT = "123456789012"
OTHER = "999999999999"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3d4e5"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def keys_of(statement):
    return parse_policy_document(doc(statement))[0].restricting_keys()


# --- the shared helper --------------------------------------------------------------------


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringLike",
        "StringEqualsIgnoreCase",
        "ArnEquals",
        "ArnLike",
        "IpAddress",
        "Bool",
        "NumericEquals",
        "ForAnyValue:StringEquals",
    ],
)
def test_positive_operators_restrict_an_allow(operator):
    assert keys_of({"Effect": "Allow", "Condition": {operator: {"aws:SourceVpce": "vpce-1"}}}) == {"aws:sourcevpce"}


@pytest.mark.parametrize(
    "operator",
    [
        "StringNotEquals",
        "StringNotLike",
        "NotIpAddress",
        "ArnNotLike",
        "StringEqualsIfExists",
        "ArnLikeIfExists",
        "Null",
        "ForAllValues:StringEquals",
        "ForAnyValue:StringNotEqualsIfExists",
    ],
)
def test_negated_ifexists_null_and_forallvalues_do_not_restrict_an_allow(operator):
    assert keys_of({"Effect": "Allow", "Condition": {operator: {"aws:SourceVpce": "vpce-1"}}}) == set()


@pytest.mark.parametrize(
    "operator,restricts",
    [
        ("StringNotEquals", True),
        ("NotIpAddress", True),
        ("ForAllValues:StringNotEquals", True),
        ("StringNotEqualsIfExists", False),
        ("ForAnyValue:StringNotEquals", False),
        ("StringEquals", False),
        ("Null", False),
    ],
)
def test_a_deny_unless_restricts_with_negated_operators_without_ifexists(operator, restricts):
    keys = keys_of({"Effect": "Deny", "Condition": {operator: {"aws:SourceVpce": "vpce-1"}}})
    assert keys == ({"aws:sourcevpce"} if restricts else set())


@pytest.mark.parametrize(
    "key,value", [("aws:SourceIp", "0.0.0.0/0"), ("aws:SourceIp", ["10.0.0.0/8", "::/0"]), ("aws:SourceVpce", "*")]
)
def test_a_value_matching_anything_does_not_restrict(key, value):
    operator = "IpAddress" if key == "aws:SourceIp" else "StringLike"
    assert keys_of({"Effect": "Allow", "Condition": {operator: {key: value}}}) == set()


# --- 1. kms-key-policy-no-public-principal ------------------------------------------------


def key_policy(condition):
    return resource(
        "aws:kms/key:Key",
        "app-key",
        {
            "policy": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": condition,
                }
            )
        },
    )


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"kms:CallerAccount": ACCOUNT}},
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
        {"Null": {"aws:PrincipalOrgID": "false"}},
    ],
)
def test_key_policy_public_allow_with_non_restricting_condition_fires(condition):
    assert_violates(
        run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy(condition)),
        "kms-key-policy-no-public-principal",
        contains='allows principal "*" without a restricting',
    )


def test_key_policy_public_allow_with_caller_account_passes():
    assert_passes(
        run_policy(KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, key_policy({"StringEquals": {"kms:CallerAccount": ACCOUNT}}))
    )


# --- 2. apigateway-resource-policy-no-public-principal -------------------------------------


def rest_api(*statements):
    return resource("aws:apigateway/restApi:RestApi", "app-api", {"policy": doc(*statements)})


def public_allow(condition=None, action="execute-api:Invoke", resources=f"{API}/*"):
    statement = {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resources}
    return {**statement, "Condition": condition} if condition else statement


def deny_unless_vpce(action="execute-api:Invoke", resources=f"{API}/*"):
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resources,
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
    }


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
        {"Null": {"aws:SourceVpce": "false"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"IpAddress": {"aws:SourceIp": "::/0"}},
    ],
)
def test_api_public_allow_with_non_restricting_condition_fires(condition):
    assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, rest_api(public_allow(condition))),
        "apigateway-resource-policy-no-public-principal",
        contains='allows principal "*"',
    )


@pytest.mark.parametrize(
    "condition", [{"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}]
)
def test_api_public_allow_with_restricting_condition_passes(condition):
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, rest_api(public_allow(condition))))


@pytest.mark.parametrize(
    "deny",
    [
        deny_unless_vpce(),
        deny_unless_vpce(action="execute-api:*"),
        deny_unless_vpce(action="*"),
        deny_unless_vpce(resources=f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:*"),
        deny_unless_vpce(resources="arn:aws:execute-api:*:*:*"),
    ],
)
def test_api_deny_unless_covering_the_allow_passes(deny):
    assert_passes(run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, rest_api(public_allow(), deny)))


@pytest.mark.parametrize(
    "allow,deny",
    [
        (public_allow(), deny_unless_vpce(action="execute-api:ManageConnections")),
        (public_allow(action="execute-api:*"), deny_unless_vpce(action="execute-api:Invoke")),
        (public_allow(), deny_unless_vpce(resources=f"{API}/prod/POST/admin")),
        (
            public_allow(resources=[f"{API}/*", f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:other12345/*"]),
            deny_unless_vpce(),
        ),
        (
            public_allow(),
            {**deny_unless_vpce(), "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}},
        ),
    ],
)
def test_api_deny_unless_that_does_not_cover_the_allow_leaves_it_public(allow, deny):
    assert_violates(
        run_policy(RESOURCE_POLICY_NO_PUBLIC_PRINCIPAL, rest_api(allow, deny)),
        "apigateway-resource-policy-no-public-principal",
        contains='allows principal "*"',
    )


# --- 3. iam-role-trust-no-wildcard: another account --------------------------------------


def role(statement):
    return resource("aws:iam/role:Role", "partner-role", {"assumeRolePolicy": doc(statement)})


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEqualsIfExists": {"sts:ExternalId": "x"}},
        {"Null": {"sts:ExternalId": "false"}},
        {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
    ],
)
def test_foreign_account_trust_with_non_restricting_guard_fires(condition):
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }
    assert_violates(
        run_policy(TRUST_NO_WILDCARD, role(trust), {"accountIds": [ACCOUNT]}),
        "iam-role-trust-no-wildcard",
        contains=f"in account {OTHER}, outside accountIds",
    )


# --- 4. iam-role-trust-service-conditions -------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"Null": {"aws:SourceArn": "false"}},
        {"StringNotEquals": {"aws:SourceAccount": OTHER}},
        {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
    ],
)
def test_service_trust_with_non_restricting_guard_fires(condition):
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }
    assert_violates(
        run_policy(TRUST_SERVICE_CONDITIONS, role(trust)),
        "iam-role-trust-service-conditions",
        contains="confused deputy",
    )


# --- B. iam-policy-scoped-resources: account-wide wildcard ARNs ----------------------------


def identity(statement):
    return resource("aws:iam/rolePolicy:RolePolicy", "app-policy", {"policy": doc(statement), "role": "app-role"})


@pytest.mark.parametrize(
    "action,arn",
    [
        ("execute-api:Invoke", "arn:aws:execute-api:*:*:*/*/*/*"),
        ("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:*:*"),
        ("dynamodb:Query", "arn:aws:dynamodb:*:*:table/*/index/*"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:*"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:*"),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*"),
        ("kms:Decrypt", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"),
    ],
)
def test_account_wide_wildcard_arns_fire(action, arn):
    statement = {"Effect": "Allow", "Action": action, "Resource": arn}
    assert_violates(
        run_policy(SCOPED_RESOURCES, identity(statement)),
        "iam-policy-scoped-resources",
        contains=f'on Resource "{arn}"',
    )


@pytest.mark.parametrize(
    "action,arn",
    [
        ("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:*:function:iam-platform-dev-*"),
        ("lambda:InvokeFunction", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:app:*"),
        ("execute-api:Invoke", f"{API}/*"),
        ("dynamodb:Query", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/sessions/index/*"),
        ("ssm:GetParameter", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/sentinel/policies/*"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app/db-??????"),
    ],
)
def test_named_or_prefixed_arns_pass(action, arn):
    assert_passes(run_policy(SCOPED_RESOURCES, identity({"Effect": "Allow", "Action": action, "Resource": arn})))


CONTEXT = {
    "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
    "StringLike": {"kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:team/app/*"},
}


def test_every_key_of_the_account_conditioned_on_an_encryption_context_passes():
    """The outside reader without kmsKeyArns: decrypt only what Secrets Manager decrypts for the prefix."""
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*",
        "Condition": CONTEXT,
    }
    assert_passes(run_policy(SCOPED_RESOURCES, identity(statement)))


@pytest.mark.parametrize(
    "resource_arn,condition",
    [
        ("*", CONTEXT),
        ("arn:aws:kms:*:*:key/*", CONTEXT),
        (
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*",
            {"StringLikeIfExists": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*"}},
        ),
        (
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*",
            {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        ),
    ],
)
def test_encryption_context_does_not_excuse_star_any_account_or_a_non_restricting_operator(resource_arn, condition):
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": resource_arn, "Condition": condition}
    assert_violates(run_policy(SCOPED_RESOURCES, identity(statement)), "iam-policy-scoped-resources")


# --- C. secret-encrypted-with-cmk ---------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["alias/aws/secretsmanager", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/secretsmanager"]
)
def test_aws_managed_secrets_key_by_alias_or_alias_arn_fires(key):
    secret = resource("aws:secretsmanager/secret:Secret", "app-secret", {"kmsKeyId": key})
    assert_violates(
        run_policy(SECRET_ENCRYPTED_WITH_CMK, secret),
        "secret-encrypted-with-cmk",
        contains="AWS managed key aws/secretsmanager",
    )


# --- D. lambda-permission-has-source-arn --------------------------------------------------


def permission(principal, source_arn, **extra):
    return resource(
        "aws:lambda/permission:Permission",
        "app-invoke",
        {
            "action": "lambda:InvokeFunction",
            "function": "app-fn-1a2b3c4",
            "principal": principal,
            "sourceArn": source_arn,
            **extra,
        },
    )


@pytest.mark.parametrize(
    "principal,source_arn,message",
    [
        ("sns.amazonaws.com", "arn:aws:sns:*:*:*", "matches resources in any account"),
        ("apigateway.amazonaws.com", "arn:aws:execute-api:*:*:*/*/*/*", "matches resources in any account"),
        ("events.amazonaws.com", "arn:aws:events:eu-west-1:*:rule/app", "matches resources in any account"),
        # a bucket name another account can take over
        ("s3.amazonaws.com", "arn:aws:s3:::app-uploads", "names no account"),
        ("s3.amazonaws.com", "arn:aws:s3:::*", "names no account"),
        ("s3.amazonaws.com.cn", "arn:aws-cn:s3:::app-uploads", "names no account"),
    ],
)
def test_source_arn_open_to_other_accounts_needs_source_account(principal, source_arn, message):
    assert_violates(
        run_policy(PERMISSION_HAS_SOURCE_ARN, permission(principal, source_arn)),
        "lambda-permission-has-source-arn",
        contains=message,
    )
    assert_passes(run_policy(PERMISSION_HAS_SOURCE_ARN, permission(principal, source_arn, sourceAccount=ACCOUNT)))


@pytest.mark.parametrize(
    "principal,source_arn",
    [
        ("apigateway.amazonaws.com", f"{API}/*/POST/execute"),
        ("sns.amazonaws.com", f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"),
    ],
)
def test_source_arn_in_a_named_account_passes(principal, source_arn):
    assert_passes(run_policy(PERMISSION_HAS_SOURCE_ARN, permission(principal, source_arn)))


# --- iam-policy-no-wildcard-actions -------------------------------------------------------


@pytest.mark.parametrize("action", ["iam:**", "iam:*?", "*:*", "s3:?*"])
def test_actions_of_only_wildcards_are_service_wildcards(action):
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    assert_violates(
        run_policy(NO_WILDCARD_ACTIONS, identity(statement)),
        "iam-policy-no-wildcard-actions",
        contains=f'allows "{action}"',
    )


def test_a_partial_wildcard_action_is_not_a_service_wildcard():
    statement = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    assert_passes(run_policy(NO_WILDCARD_ACTIONS, identity(statement)))
