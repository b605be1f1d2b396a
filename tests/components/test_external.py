"""ExternalSecretReader in the real program: OIDC by default, an IAM user when asked."""

import fnmatch
import json

import pytest
from pulumi.runtime import rpc

import preview.recorder
from tests.support.harness import one, policy_of, run_stack

ROLE, ROLE_POLICY = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
USER, USER_POLICY, ACCESS_KEY = "aws:iam/user:User", "aws:iam/userPolicy:UserPolicy", "aws:iam/accessKey:AccessKey"
PREFIX_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:iam-platform/dev/jwt/*"
ISSUER = "oidc.fly.io/example-org"
USER_MODE = {"enabled": True, "mode": "iam-user", "secretPrefix": "paintbox/*"}


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


def test_dev_trusts_the_issuers_tokens_for_one_audience_and_subject(dev):
    provider = one(dev, OIDC, "external-reader-oidc")
    assert provider["inputs"]["url"] == f"https://{ISSUER}"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    role = one(dev, ROLE, "external-reader-role")
    assert policy_of(role, "assumeRolePolicy")["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Principal": {"Federated": [provider["outputs"]["arn"]]},
            "Condition": {
                "StringEquals": {
                    f"{ISSUER}:aud": "sts.amazonaws.com",
                    f"{ISSUER}:sub": ["example-org:jwks-consumer:web"],
                }
            },
        }
    ]
    assert "name" not in role["inputs"] and role["inputs"]["maxSessionDuration"] == 3600
    assert role["parent"] == one(dev, "iam-platform:external:ExternalSecretReader", "external-reader")["urn"]
    assert dev.outputs["externalReaderRoleArn"] == role["outputs"]["arn"]
    assert not dev.of_type(USER) and not dev.of_type(ACCESS_KEY)


def test_role_may_read_only_secrets_under_the_prefix(dev):
    role = one(dev, ROLE, "external-reader-role")
    policy = one(dev, ROLE_POLICY, "external-reader-policy")
    assert policy["inputs"]["role"] == role["id"]
    assert policy_of(policy, "policy")["Statement"] == [
        {
            "Sid": "ReadSecretsUnderPrefix",
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": [PREFIX_ARN],
        },
        {
            "Sid": "DecryptThroughSecretsManagerOnly",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/*"],
            "Condition": {
                "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:SecretARN": PREFIX_ARN},
            },
        },
    ]


def test_the_dev_example_reads_the_jwks_secret(dev):
    secret = one(dev, "aws:secretsmanager/secret:Secret", "jwks-keys")
    assert fnmatch.fnmatchcase(secret["outputs"]["arn"], PREFIX_ARN)


def test_nothing_in_the_stack_may_list_secrets():
    for run in (run_stack("dev"), run_stack("dev", {"iam-platform:external": USER_MODE})):
        documents = [json.dumps(r["inputs"]) for r in run.records if r["type"] in (ROLE_POLICY, USER_POLICY)]
        assert documents and not any("ListSecrets" in d or "secretsmanager:*" in d for d in documents)


def test_wildcard_subjects_are_matched_with_string_like():
    run = run_stack(
        "dev",
        {
            "iam-platform:external": {
                "enabled": True,
                "issuerUrl": f"https://{ISSUER}",
                "subjects": ["example-org:app:*", "example-org:b:c"],
                "allowWildcardSubjects": True,
                "secretPrefix": "iam-platform/dev/jwt/*",
            }
        },
    )
    [statement] = policy_of(one(run, ROLE, "external-reader-role"), "assumeRolePolicy")["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{ISSUER}:sub": ["example-org:app:*", "example-org:b:c"]},
    }


def test_existing_provider_is_used_not_created():
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.fly.io/example-org"
    run = run_stack(
        "dev",
        {
            "iam-platform:external": {
                "enabled": True,
                "issuerUrl": f"https://{ISSUER}",
                "subjects": ["s"],
                "providerArn": arn,
                "secretPrefix": "paintbox/*",
                "kmsKeyArns": ["arn:aws:kms:eu-west-1:123456789012:key/0b5b7a8e-9c3a-4b6f-8d2e-1f0a9c8b7d6e"],
            }
        },
    )
    assert not run.of_type(OIDC)
    [trust] = policy_of(one(run, ROLE, "external-reader-role"), "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Federated": [arn]}
    [read, decrypt] = policy_of(one(run, ROLE_POLICY, "external-reader-policy"), "policy")["Statement"]
    assert read["Resource"] == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:paintbox/*"]
    assert decrypt["Resource"] == ["arn:aws:kms:eu-west-1:123456789012:key/0b5b7a8e-9c3a-4b6f-8d2e-1f0a9c8b7d6e"]


def test_iam_user_mode_has_the_same_policy_and_no_key_unless_asked():
    run = run_stack("dev", {"iam-platform:external": USER_MODE})
    user = one(run, USER, "external-reader-user")
    assert user["inputs"]["path"] == "/external/" and "name" not in user["inputs"]
    policy = one(run, USER_POLICY, "external-reader-policy")
    assert policy["inputs"]["user"] == user["outputs"]["name"]
    assert [s["Action"] for s in policy_of(policy, "policy")["Statement"]] == [
        ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        ["kms:Decrypt"],
    ]
    assert not run.of_type(ACCESS_KEY) and not run.of_type(OIDC)
    assert [r for r in run.of_type(ROLE) if "external" in r["name"]] == []
    assert run.outputs["externalReaderUserName"] == user["outputs"]["name"]
    assert "externalReaderAccessKeyId" not in run.outputs and "externalReaderRoleArn" not in run.outputs


def test_access_key_only_when_asked_and_its_secret_is_a_pulumi_secret(monkeypatch):
    raw: dict = {}
    register = preview.recorder.RecordingMonitor.RegisterResourceOutputs

    def keep_raw(self, request):
        if "pulumi:pulumi:Stack" in request.urn:
            raw.update(rpc.deserialize_properties(request.outputs))
        return register(self, request)

    monkeypatch.setattr(preview.recorder.RecordingMonitor, "RegisterResourceOutputs", keep_raw)
    run = run_stack("dev", {"iam-platform:external": {**USER_MODE, "createAccessKey": True}})
    key = one(run, ACCESS_KEY, "external-reader-key")
    assert key["inputs"]["user"] == one(run, USER, "external-reader-user")["outputs"]["name"]
    assert run.outputs["externalReaderAccessKeyId"] == key["id"]
    assert rpc.is_rpc_secret(raw["externalReaderSecretAccessKey"])
    assert not rpc.is_rpc_secret(raw["externalReaderAccessKeyId"])


def test_staging_and_prod_have_no_external_reader():
    for stack in ("staging", "prod"):
        assert not [r for r in run_stack(stack).records if "external" in r["urn"]]
