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
    assert tags.ROTATION_EXEMPT == default(secrets_kms.ROTATION_SCHEMA, "exemptTag")
    assert tags.PROTECTED_ROLE == default(tvm_roles.SCHEMA, "protectedRoleTag")
    assert tags.TVM_ROLE == default(tvm_roles.SCHEMA, "tvmRoleTag")
    assert tags.ROLLOUT_PERCENT == default(rollout.CLEANUP_SCHEMA, "rolloutPercentTag")
    assert tags.FUNCTION_ROLE == default(rollout.CLEANUP_SCHEMA, "executionFunctionTag")
    assert tags.EXECUTION == default(rollout.CLEANUP_SCHEMA, "executionFunctionTagValue")


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
        document["Statement"].append({"Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                                      "Resource": [execution_arn]})
        policy[side]["policy"] = json.dumps(document)
    leftovers = [v for v in analyze(records) if v.policy == "rollout-cleanup-complete"]
    assert [v.level for v in leftovers] == ["mandatory"]
