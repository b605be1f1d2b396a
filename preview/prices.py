"""Fixed list prices of the resources a stack keeps while idle, and what is left out.

us-east-1 on-demand list prices in USD as AWS's pricing pages give them (Aurora Standard
storage configuration), checked December 2026; other regions differ by a few per cent (eu-west-1,
which the stacks use, is slightly dearer). A month is 730 hours, as AWS's calculator counts it.
Change a price here and the README's cost table test (tests/preview/test_cost.py) asks for the
table to be regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730
PRICES_CHECKED = "2026-12"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    counted: str  # what a quantity counts, as a table cell shows it


AURORA_ACU_HOUR = Price(
    0.12, "ACU-hour (Aurora Serverless v2, Standard)", "https://aws.amazon.com/rds/aurora/pricing/", "ACU-h"
)
ENDPOINT_AZ_HOUR = Price(0.01, "interface endpoint per AZ-hour", "https://aws.amazon.com/privatelink/pricing/", "AZ-h")
KMS_KEY_MONTH = Price(1.00, "customer-managed key per month", "https://aws.amazon.com/kms/pricing/", "keys")
SECRET_MONTH = Price(0.40, "secret per month", "https://aws.amazon.com/secrets-manager/pricing/", "secrets")
ALARM_METRIC_MONTH = Price(
    0.10, "standard-resolution alarm metric per month", "https://aws.amazon.com/cloudwatch/pricing/", "metrics"
)
ALARM_HIGH_RES_METRIC_MONTH = Price(
    0.30, "high-resolution alarm metric per month", "https://aws.amazon.com/cloudwatch/pricing/", "metrics"
)
ADVANCED_PARAMETER_MONTH = Price(
    0.05, "advanced SSM parameter per month", "https://aws.amazon.com/systems-manager/pricing/", "parameters"
)

# Charged only for what is used; an idle stack pays (close to) nothing for them.
USAGE_PRICED: dict[str, str] = {
    "aws:rds/cluster:Cluster": "Aurora storage (GB-month), I/O requests, backups beyond the cluster's size, "
    "and a final snapshot kept after a destroy",
    "aws:lambda/function:Function": "requests and GB-seconds",
    "aws:lambda/functionUrl:FunctionUrl": "the function's requests",
    "aws:apigatewayv2/api:Api": "HTTP API requests",
    "aws:apigateway/restApi:RestApi": "REST API requests",
    "aws:apigateway/stage:Stage": "REST API requests (no cache cluster is configured)",
    "aws:cloudwatch/logGroup:LogGroup": "log ingestion and storage (GB)",
    "aws:dynamodb/table:Table": "on-demand reads and writes, storage (GB-month); provisioned tables are priced",
    "aws:sqs/queue:Queue": "requests",
    "aws:sns/topic:Topic": "publishes and deliveries",
    "aws:cloudwatch/eventRule:EventRule": "events matched (AWS service events are free)",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "data processed (GB); the endpoint-hours are priced",
    "aws:secretsmanager/secret:Secret": "API calls (per 10,000); the secret-month is priced",
    "aws:kms/key:Key": "API requests (per 10,000); each automatic rotation adds $1/month for its first two rotations",
    "aws:ecr/repository:Repository": "image storage (GB-month)",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": "nothing itself; the rotation function "
    "it deploys is a Lambda (requests)",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "nothing (IAM and STS are free)",
}

# Resources AWS does not charge for (priced types are in preview/cost.py's ``_ITEMS``).
FREE = frozenset(
    {
        "pulumi:providers:aws",
        "pulumi:providers:random",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomId:RandomId",
        "aws:apigateway/account:Account",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/integration:Integration",
        "aws:apigateway/integrationResponse:IntegrationResponse",
        "aws:apigateway/method:Method",
        "aws:apigateway/methodResponse:MethodResponse",
        "aws:apigateway/methodSettings:MethodSettings",
        "aws:apigateway/resource:Resource",
        "aws:apigateway/restApiPolicy:RestApiPolicy",
        "aws:apigatewayv2/integration:Integration",
        "aws:apigatewayv2/route:Route",
        "aws:apigatewayv2/stage:Stage",
        "aws:apigatewayv2/authorizer:Authorizer",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/user:User",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/accessKey:AccessKey",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:lambda/permission:Permission",
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:kms/alias:Alias",
        "aws:kms/grant:Grant",
    }
)
