"""A policy document that does not parse is reported once, by the mandatory policy whose job it is, with one
message shape; every other policy reads it as having no statements (policies/documents.py)."""

import json

import pytest

from policies.testing import resource, run_pack

TVM_ROLE = "arn:aws:iam::123456789012:role/tvm-fn-role-1a2b3c4"
# With the TVM role named, protected-role-trusts-only-tvm reads the protected role's trust policy.
PACK_CONFIG = {"protected-role-trusts-only-tvm": {"tvmRoleArns": [TVM_ROLE]}}
EMPTY = json.dumps({"Version": "2012-10-17", "Statement": []})

BROKEN = {
    "not JSON": "{not json",
    "not an object": "[]",
    "a Statement that is a string": json.dumps({"Version": "2012-10-17", "Statement": "Allow"}),
    "a statement that is a string": json.dumps({"Version": "2012-10-17", "Statement": ["Allow"]}),
    "an Action that is a number": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}
    ),
    "a Condition block that is a string": json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": {"StringEquals": "x"}}
            ],
        }
    ),
}

# The resource carrying the document, the policy that reports it, and the start of its message.
HOLDERS = {
    "identity-Policy": (
        lambda d: resource("aws:iam/policy:Policy", "p", {"policy": d}),
        "iam-policy-document-valid",
        'policy of "p"',
    ),
    "identity-RolePolicy": (
        lambda d: resource("aws:iam/rolePolicy:RolePolicy", "p", {"policy": d, "role": "app"}),
        "iam-policy-document-valid",
        'policy of "p"',
    ),
    "identity-Role-inline": (
        lambda d: resource(
            "aws:iam/role:Role", "r", {"assumeRolePolicy": EMPTY, "inlinePolicies": [{"name": "inline", "policy": d}]}
        ),
        "iam-policy-document-valid",
        'inlinePolicies[0].policy of "r"',
    ),
    "trust-protected-Role": (
        lambda d: resource(
            "aws:iam/role:Role", "r", {"assumeRolePolicy": d, "tags": {"iam-platform:protected": "true"}}
        ),
        "iam-role-trust-no-wildcard",
        "assumeRolePolicy",
    ),
    "resource-QueuePolicy": (
        lambda d: resource("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": d, "queueUrl": "q"}),
        "resource-policy-no-public-principal",
        'the queue policy of "q"',
    ),
    "resource-KeyPolicy": (
        lambda d: resource("aws:kms/keyPolicy:KeyPolicy", "k", {"policy": d, "keyId": "k"}),
        "kms-key-policy-no-public-principal",
        'the key policy of "k"',
    ),
    "resource-RestApiPolicy": (
        lambda d: resource("aws:apigateway/restApiPolicy:RestApiPolicy", "a", {"policy": d, "restApiId": "a"}),
        "apigateway-resource-policy-no-public-principal",
        'the resource policy of "a"',
    ),
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
@pytest.mark.parametrize("holder, policy, what", HOLDERS.values(), ids=HOLDERS.keys())
def test_a_broken_document_is_reported_once_by_a_mandatory_policy(holder, policy, what, text):
    violations = run_pack(holder(text), PACK_CONFIG)

    assert [(v.policy, v.level) for v in violations] == [(policy, "mandatory")]
    assert violations[0].message.startswith(f"{what} is not a valid policy document: ")
    assert violations[0].message.endswith("; fix the JSON")
