"""The tags components set are the ones the policy pack looks for by default."""

import copy
import json

import pytest

from components import tags
from policies import tvm_roles
from policies.rules import rollout, secrets_kms
from preview.analysis import analyze
from tests.support.harness import one, run_stack

FUNCTION = "aws:lambda/function:Function"


def default(schema, key):
    return schema.properties[key]["default"]


def test_component_tags_match_the_packs_defaults():
    assert default(secrets_kms.ROTATION_SCHEMA, "exemptTag") == tags.ROTATION_EXEMPT
    assert default(tvm_roles.SCHEMA, "protectedRoleTag") == tags.PROTECTED_ROLE
    assert default(tvm_roles.SCHEMA, "tvmRoleTag") == tags.TVM_ROLE
    assert default(rollout.CLEANUP_SCHEMA, "rolloutPercentTag") == tags.ROLLOUT_PERCENT
    assert default(rollout.CLEANUP_SCHEMA, "executionFunctionTag") == tags.FUNCTION_ROLE
    assert default(rollout.CLEANUP_SCHEMA, "executionFunctionTagValue") == tags.EXECUTION


@pytest.fixture(scope="module")
def prod():
    return run_stack("prod")


def test_layer_functions_carry_the_rollout_tags(prod):
    assert one(prod, FUNCTION, "verification-fn-function")["inputs"]["tags"] == {tags.ROLLOUT_PERCENT: "100"}
    assert one(prod, FUNCTION, "execution-fn-function")["inputs"]["tags"] == {tags.FUNCTION_ROLE: tags.EXECUTION}


def test_finished_rollout_with_a_leftover_grant_is_caught_on_the_real_stack(prod):
    assert not [v for v in analyze(prod.records) if v.policy == "rollout-cleanup-complete"]
    records = copy.deepcopy(prod.records)
    execution_arn = one(prod, FUNCTION, "execution-fn-function")["outputs"]["arn"]
    policy = one(type(prod)(records, {}), "aws:iam/rolePolicy:RolePolicy", "verification-fn-policy")
    for side in ("inputs", "outputs"):
        document = json.loads(policy[side]["policy"])
        document["Statement"].append(
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [execution_arn]}
        )
        policy[side]["policy"] = json.dumps(document)
    leftovers = [v for v in analyze(records) if v.policy == "rollout-cleanup-complete"]
    assert [v.level for v in leftovers] == ["mandatory"]
