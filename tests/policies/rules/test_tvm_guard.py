"""Tests of policies/rules/tvm_guard.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.tvm_guard import TVM_PROTECTED_ROLE_DENIES_TVM_RESOURCES as DENIES_TVM_RESOURCES
from policies.testing import assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCOUNT, PROTECTED_ARN, ROLE, doc, tvm_role, tvm_trust

SESSIONS_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/tvm-sessions-1a2b3c4"


RULES_ARN = f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/sentinel/policies"


TVM_OWN = {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": [SESSIONS_ARN]}


TVM_RULES = {"Effect": "Allow", "Action": ["ssm:GetParametersByPath"], "Resource": [RULES_ARN]}


def guard(resources, actions=("dynamodb:*", "ssm:*")):
    return resource(
        "aws:iam/rolePolicy:RolePolicy",
        "protected-admin-guard",
        {
            "role": "protected-admin-5d6e7f8",
            "policy": doc({"Effect": "Deny", "Action": list(actions), "Resource": resources}),
        },
    )


def guarded_stack(*extra):
    props = {
        "name": "protected-admin-5d6e7f8",
        "tags": {"iam-platform:protected": "true"},
        "assumeRolePolicy": doc(tvm_trust()),
    }
    role = resource(ROLE, "protected-admin", props, outputs={**props, "arn": PROTECTED_ARN})
    tvm = resource(
        "aws:iam/rolePolicy:RolePolicy",
        "tvm-fn-policy",
        {"role": "tvm-fn-role-1a2b3c4", "policy": doc(TVM_OWN, TVM_RULES)},
    )
    return [tvm_role(), tvm, role, *extra]


def test_a_protected_role_denied_the_tvm_tables_and_rules_passes():
    assert_passes(run_policy(DENIES_TVM_RESOURCES, guarded_stack(guard([SESSIONS_ARN, f"{RULES_ARN}*"]))))


@pytest.mark.parametrize(
    "extra, missing",
    [
        ((), SESSIONS_ARN),
        ((guard([RULES_ARN]),), SESSIONS_ARN),
        ((guard([SESSIONS_ARN, RULES_ARN], actions=("dynamodb:Scan", "ssm:*")),), SESSIONS_ARN),
        ((guard([SESSIONS_ARN]),), RULES_ARN),
    ],
)
def test_a_protected_role_that_may_reach_the_tvm_resources_is_flagged(extra, missing):
    violation = assert_violates(run_policy(DENIES_TVM_RESOURCES, guarded_stack(*extra)), DENIES_TVM_RESOURCES.name)
    assert missing in violation.message and "Deny" in violation.message
