"""python -m preview.deployer_policy: the documents in docs/ match the command, and every action
and resource is one AWS documents (policies/iam_data.py, AWS's service authorization reference)."""

import json

import pytest

from policies import iam_data
from preview import deployer_policy
from preview.stack_command import stack_records
from tests.preview.test_cost import readme_block
from tests.support.harness import REPO

STACKS = ("dev", "staging", "prod")
# Resources AWS's guides name that the reference has no ARN format for.
UNDOCUMENTED_RESOURCES = {
    "arn:aws:cloudformation:{region}:aws:transform/Serverless-2016-10-31",  # SAR: CreateChangeSet on the transform
    "arn:aws:apigateway:{region}::/apis",  # CreateApi is authorised on the collection
}
INLINE_ROLE_POLICY_LIMIT = 10240  # characters without whitespace, all inline policies of a role together


@pytest.fixture(scope="module")
def records():
    return {stack: stack_records(stack) for stack in STACKS}


@pytest.fixture(scope="module")
def documents(records):
    return {stack: deployer_policy.document_for(stack, records[stack]) for stack in STACKS}


def statements(document):
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        yield statement, resources


@pytest.mark.parametrize("stack", STACKS)
def test_committed_document_is_the_command_output(documents, stack):
    committed = (REPO / "docs" / f"deployer-policy-{stack}.json").read_text()
    assert committed == deployer_policy.render(documents[stack]), (
        "regenerate: python -m preview.deployer_policy dev staging prod --write"
    )


def test_readme_systems_table_is_the_command_output(records):
    assert readme_block("deployer-systems") == deployer_policy.systems_table(records)


@pytest.mark.parametrize("stack", STACKS)
def test_every_action_is_documented_and_authorised_by_a_resource_of_its_statement(documents, stack):
    for statement, resources in statements(documents[stack]):
        for action in statement["Action"]:
            assert iam_data.expand(action) == {action.lower()}, f"{statement['Sid']}: {action} is not an AWS action"
            assert any(iam_data.applies_to(action, r) for r in resources), (
                f"{statement['Sid']}: {action} applies to none of {resources} (it needs '*' or another ARN)"
            )


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_is_one_some_action_of_its_statement_applies_to(documents, stack):
    region = "eu-west-1"
    allowed = {r.format(region=region) for r in UNDOCUMENTED_RESOURCES}
    for statement, resources in statements(documents[stack]):
        for resource in resources:
            assert resource in allowed or any(iam_data.applies_to(a, resource) for a in statement["Action"]), (
                f"{statement['Sid']}: no action applies to {resource}"
            )


@pytest.mark.parametrize("stack", STACKS)
def test_fits_an_inline_role_policy(documents, stack):
    assert len(json.dumps(documents[stack], separators=(",", ":"))) <= INLINE_ROLE_POLICY_LIMIT


def test_explicit_names_are_scoped_to_the_stack(documents):
    secrets = next(s for s in documents["prod"]["Statement"] if s["Sid"] == "Secrets")
    assert all(":secret:iam-platform/prod/" in r for r in secrets["Resource"])


def test_a_type_without_actions_stops_the_command(records):
    extra = {"type": "aws:ec2/natGateway:NatGateway", "custom": True, "name": "nat", "inputs": {}, "urn": "u"}
    with pytest.raises(deployer_policy.UnmappedTypes, match="natGateway"):
        deployer_policy.policy_document([*records["dev"], extra], "eu-west-1", "iam-platform", "dev")


def test_unknown_stack_is_one_line_and_exit_2(capsys):
    assert deployer_policy.main(["nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
