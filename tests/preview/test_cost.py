"""python -m preview.cost: the idle monthly cost from a stack's own records, and the README's table."""

import json
import re

import pytest

from preview import cost, prices
from preview.stack_command import stack_records
from tests.support.harness import REPO, run_stack

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def records():
    return {stack: stack_records(stack) for stack in STACKS}


def readme_block(marker: str) -> str:
    text = (REPO / "README.md").read_text()
    found = re.search(rf"<!-- {marker}:begin[^>]*-->\n(.*?)<!-- {marker}:end -->", text, re.S)
    assert found, f"README.md has no <!-- {marker}:begin --> ... <!-- {marker}:end --> block"
    return found.group(1)


def test_readme_table_is_the_command_output(records):
    table = cost.render_markdown([cost.stack_cost(stack, records[stack]) for stack in STACKS])
    assert readme_block("cost") == table, "regenerate: python -m preview.cost dev staging prod --format markdown"


def test_every_resource_type_of_every_stack_is_priced_usage_priced_or_free(records):
    for stack in STACKS:
        assert cost.stack_cost(stack, records[stack]).unknown == ()


def test_aurora_is_priced_per_instance_at_the_minimum_capacity():
    run = run_stack("dev", {"iam-platform:database": {"enabled": True, "minCapacity": 2, "readers": 1}})
    lines = [line for line in cost.stack_cost("dev", run.records).lines if line.price is prices.AURORA_ACU_HOUR]
    assert [line.quantity for line in lines] == [2 * 730, 2 * 730]
    assert sum(line.monthly for line in lines) == pytest.approx(2 * 2 * 730 * 0.12)


def test_a_stack_without_the_database_pays_no_aurora_or_endpoint():
    run = run_stack("dev", {"iam-platform:database": {"enabled": False}})
    items = {line.item for line in cost.stack_cost("dev", run.records).lines}
    assert not items & {"Aurora Serverless v2 instances at minimum capacity", "VPC interface endpoints"}


def test_endpoint_hours_count_every_zone():
    run = run_stack("dev", {"iam-platform:network": {"availabilityZones": 3}})
    endpoint = [line for line in cost.stack_cost("dev", run.records).lines if line.price is prices.ENDPOINT_AZ_HOUR]
    assert [line.quantity for line in endpoint] == [3 * 730]


def test_a_type_in_no_table_is_reported_not_guessed(records):
    unknown = {"type": "aws:ec2/natGateway:NatGateway", "custom": True, "name": "nat", "inputs": {}}
    result = cost.stack_cost("dev", [*records["dev"], unknown])
    assert result.unknown == ("aws:ec2/natGateway:NatGateway",)
    assert "NOT PRICED" in cost.render_text([result])


def test_unknown_stack_is_one_line_and_exit_2(capsys):
    assert cost.main(["nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "unknown stack 'nope'" in err


def test_json_names_each_line_with_its_source(capsys):
    assert cost.main(["dev", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["dev"]["monthlyUsd"] > 0
    assert all(line["source"].startswith("https://aws.amazon.com/") for line in document["dev"]["lines"])
