"""The component and the Lambda agree: what the program declares (tables, rules parameters,
environment, trust policy) is what the TVM and the authorizer need, run against moto."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from lambdas.authorizer import handler as authorizer
from lambdas.tvm import handler as tvm
from tests.support.harness import one, run_stack
from tests.support.tvm_world import WEDNESDAY_MORNING, Clock, World, create_sso_role

FUNCTION, TABLE, PARAMETER = "aws:lambda/function:Function", "aws:dynamodb/table:Table", "aws:ssm/parameter:Parameter"


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


@pytest.fixture
def deployed(dev, aws_env, monkeypatch):
    """The dev graph, 'deployed' into moto: tables, parameters, protected roles, function settings."""
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        dynamodb, ssm, iam = (session.client(n) for n in ("dynamodb", "ssm", "iam"))
        for table in dev.of_type(TABLE):
            inputs = table["inputs"]
            dynamodb.create_table(
                TableName=table["outputs"]["name"],
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[
                    {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
                ],
                KeySchema=[{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}],
            )
        for parameter in dev.of_type(PARAMETER):
            ssm.put_parameter(
                Name=parameter["inputs"]["name"], Value=parameter["inputs"]["value"], Type=parameter["inputs"]["type"]
            )
        for role in dev.of_type("aws:iam/role:Role"):
            if role["name"].startswith("tvm-profile-"):
                iam.create_role(
                    RoleName=role["outputs"]["name"], AssumeRolePolicyDocument=role["inputs"]["assumeRolePolicy"]
                )
        create_sso_role(iam)
        for name, value in one(dev, FUNCTION, "tvm-fn-function")["inputs"]["environment"]["variables"].items():
            monkeypatch.setenv(name, value)
        world = World(session=session, clock=Clock(WEDNESDAY_MORNING))
        world.restart(keep_logs=True)
        yield world
    tvm.reset_state()
    authorizer.reset_state()


def test_the_declared_stack_vends_for_both_example_profiles(dev, deployed):
    answer = deployed.call("GET", "/profiles")
    assert [p["name"] for p in answer.body["profiles"]] == ["deploy", "readonly"]
    assert deployed.vend("readonly", "anyone").status == 200
    readonly_role = one(dev, "aws:iam/role:Role", "tvm-profile-readonly-role")["outputs"]["arn"]
    assert deployed.assumed[-1]["RoleArn"] == readonly_role
    # deploy: ops-* in office hours (Wednesday 10:00 in Berlin), capped at 1800 s by the rule.
    assert deployed.vend("deploy", "ops-anna", duration=3600).status == 200
    assert deployed.assumed[-1]["DurationSeconds"] == 1800
    assert deployed.vend("deploy", "contractor-x").body["error"] == "POLICY_DENY"
    assert deployed.vend("deploy", "dev-dora").body["error"] == "APPROVAL_REQUIRED"


def test_the_source_identity_satisfies_the_declared_trust_condition(dev, deployed):
    deployed.vend("readonly", "anyone")
    trust = json.loads(one(dev, "aws:iam/role:Role", "tvm-profile-readonly-role")["inputs"]["assumeRolePolicy"])
    pattern = trust["Statement"][0]["Condition"]["StringLike"]["sts:SourceIdentity"]
    assert pattern.endswith(".*") and deployed.assumed[-1]["SourceIdentity"].startswith(pattern[:-1])


def test_the_authorizer_reads_the_declared_sessions_table(dev, deployed, monkeypatch):
    session_id = deployed.vend("readonly", "anyone").headers["X-Sentinel-Session-ID"]
    for name, value in one(dev, FUNCTION, "tvm-authorizer-fn-function")["inputs"]["environment"]["variables"].items():
        monkeypatch.setenv(name, value)
    authorizer.reset_state(clock=lambda: deployed.clock.now.timestamp(), session=deployed.session)
    assert authorizer.handler({"headers": {"x-sentinel-session-id": session_id}}, None)["isAuthorized"] is True
