"""PrivateNetwork in the real program: the dev stack enables the database system."""

import pytest

from components.settings import StackConfigError
from tests.support.harness import one, policy_of, run_stack

VPC, SUBNET, SG = "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SAR = "aws:serverlessrepository/cloudFormationStack:CloudFormationStack"
EXISTING = {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"]}


@pytest.fixture(scope="module")
def dev():
    return run_stack("dev")


def group_id(run, role):
    return one(run, SG, f"network-{role}-sg")["id"]


def test_private_vpc_in_two_zones_without_an_internet_route(dev):
    vpc = one(dev, VPC, "network-vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.20.0.0/16"
    assert vpc["inputs"]["enableDnsHostnames"] is True and vpc["inputs"]["enableDnsSupport"] is True
    subnets = [one(dev, SUBNET, f"network-private-{i}")["inputs"] for i in range(2)]
    assert [s["availabilityZone"] for s in subnets] == ["eu-west-1a", "eu-west-1b"]
    assert [s["cidrBlock"] for s in subnets] == ["10.20.0.0/18", "10.20.64.0/18"]
    assert all(s["vpcId"] == vpc["id"] and s["mapPublicIpOnLaunch"] is False for s in subnets)
    kinds = {r["type"] for r in dev.records}
    assert not kinds & {
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/route:Route",
        "aws:ec2/eip:Eip",
    }
    default = one(dev, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg")["inputs"]
    assert default["vpcId"] == vpc["id"] and not default.get("ingress") and not default.get("egress")


def test_database_accepts_3306_from_rotation_and_app_only(dev):
    db = group_id(dev, "db")
    into_db = [r["inputs"] for r in dev.of_type(INGRESS) if r["inputs"]["securityGroupId"] == db]
    assert sorted(r["referencedSecurityGroupId"] for r in into_db) == sorted(
        [group_id(dev, "rotation"), group_id(dev, "app")]
    )
    assert all((r["ipProtocol"], r["fromPort"], r["toPort"]) == ("tcp", 3306, 3306) for r in into_db)
    assert not [r for r in dev.of_type(EGRESS) if r["inputs"]["securityGroupId"] == db]


def test_no_rule_opens_a_cidr_and_groups_have_no_inline_rules(dev):
    for rule in dev.of_type(INGRESS) + dev.of_type(EGRESS):
        assert "cidrIpv4" not in rule["inputs"] and "cidrIpv6" not in rule["inputs"]
        assert rule["inputs"]["referencedSecurityGroupId"]
    for group in dev.of_type(SG):
        assert not group["inputs"].get("ingress") and not group["inputs"].get("egress")


@pytest.mark.parametrize("client", ["rotation", "app"])
def test_functions_reach_the_database_and_the_endpoint_only(dev, client):
    out = {
        (r["inputs"]["referencedSecurityGroupId"], r["inputs"]["fromPort"])
        for r in dev.of_type(EGRESS)
        if r["inputs"]["securityGroupId"] == group_id(dev, client)
    }
    assert out == {(group_id(dev, "db"), 3306), (group_id(dev, "endpoint"), 443)}
    into_endpoint = {
        r["inputs"]["referencedSecurityGroupId"]
        for r in dev.of_type(INGRESS)
        if r["inputs"]["securityGroupId"] == group_id(dev, "endpoint")
    }
    assert group_id(dev, client) in into_endpoint


def test_secrets_manager_interface_endpoint(dev):
    endpoint = one(dev, ENDPOINT, "network-secretsmanager")
    inputs = endpoint["inputs"]
    assert (inputs["serviceName"], inputs["vpcEndpointType"], inputs["privateDnsEnabled"]) == (
        "com.amazonaws.eu-west-1.secretsmanager",
        "Interface",
        True,
    )
    assert inputs["subnetIds"] == [one(dev, SUBNET, f"network-private-{i}")["id"] for i in range(2)]
    assert inputs["securityGroupIds"] == [group_id(dev, "endpoint")]
    [statement] = policy_of(endpoint, "policy")["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
    assert "secretsmanager:*" not in statement["Action"]


def test_an_existing_vpc_is_used_as_given():
    run = run_stack("dev", {"iam-platform:network": EXISTING})
    assert run.of_type(VPC) == [] and run.of_type(SUBNET) == []
    assert {g["inputs"]["vpcId"] for g in run.of_type(SG)} == {EXISTING["vpcId"]}
    sar = one(run, SAR, "database-rotation-app")["inputs"]["parameters"]
    assert sar["vpcSubnetIds"] == ",".join(EXISTING["subnetIds"])
    assert one(run, ENDPOINT, "network-secretsmanager")["inputs"]["subnetIds"] == EXISTING["subnetIds"]


def test_without_an_endpoint_the_rotation_uses_the_regional_name():
    run = run_stack("dev", {"iam-platform:network": {**EXISTING, "secretsManagerEndpoint": False}})
    assert run.of_type(ENDPOINT) == [] and not [g for g in run.of_type(SG) if g["name"] == "network-endpoint-sg"]
    sar = one(run, SAR, "database-rotation-app")["inputs"]["parameters"]
    assert sar["endpoint"] == "https://secretsmanager.eu-west-1.amazonaws.com"
    # New security groups lose AWS's allow-all egress: without this rule the rotation
    # function and the app could reach nothing but MySQL.
    for client in ("rotation", "app"):
        rule = one(
            run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", f"network-{client}-to-secretsmanager"
        )["inputs"]
        assert rule["securityGroupId"] == one(run, SG, f"network-{client}-sg")["id"]
        assert (rule["cidrIpv4"], rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == (
            "0.0.0.0/0",
            "tcp",
            443,
            443,
        )


def test_with_our_endpoint_the_functions_reach_https_only_through_it():
    run = run_stack("dev")
    egress = [r["inputs"] for r in run.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    assert egress and not [r for r in egress if "cidrIpv4" in r]


def test_no_endpoint_in_the_vpc_this_program_creates_is_refused():
    with pytest.raises(StackConfigError) as error:
        run_stack("dev", {"iam-platform:network": {"secretsManagerEndpoint": False}})
    assert "iam-platform:network" in str(error.value) and "no internet route" in str(error.value)


def test_three_zones_and_a_smaller_range():
    run = run_stack("dev", {"iam-platform:network": {"availabilityZones": 3, "cidrBlock": "10.9.0.0/20"}})
    subnets = [one(run, SUBNET, f"network-private-{i}")["inputs"] for i in range(3)]
    assert [s["cidrBlock"] for s in subnets] == ["10.9.0.0/22", "10.9.4.0/22", "10.9.8.0/22"]
    assert [s["availabilityZone"] for s in subnets] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
