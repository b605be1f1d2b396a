"""What the identity running ``pulumi up`` (and ``destroy``) may need, per resource type.

A family groups the types whose actions act on the same AWS resources: its statement's
resources come from the stack's own records (``arn`` below, with ``{region}`` and the
resource's name pattern ``{name}``), or ``*`` where the service has no resource-level
permissions or names resources by random ids. The action lists follow what the AWS provider
calls to create, read, update, tag and delete each type; they were written by hand, checked
against AWS's service authorization reference (every action exists and applies to a resource of
its statement: tests/preview/test_deployer_policy.py) but not exercised against an account: a
starting point.
"""

from __future__ import annotations

from dataclasses import dataclass

POWERTOOLS_LAYERS = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-*"


@dataclass(frozen=True)
class Family:
    sid: str
    types: frozenset[str]
    actions: tuple[str, ...]
    # (type, ARN template): one resource per record of that type; {name} is the record's name
    # pattern (its explicit name, or ``<logical name>-*`` for an auto-name); {region}, {project}
    # and {stack} are the stack's. No template: the family's actions get ``extra_resources`` only.
    arns: tuple[tuple[str, str], ...] = ()
    unscoped: tuple[str, ...] = ()  # actions that take only "*"
    extra_resources: tuple[str, ...] = ()  # templates added whenever the family is present


def _types(*names: str) -> frozenset[str]:
    return frozenset(names)


FAMILIES: tuple[Family, ...] = (
    Family(
        "IamRoles",
        _types(
            "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        ),
        (
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:DeleteRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:PutRolePolicy",
            "iam:GetRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PassRole",
        ),
        # and the hosted rotation application's own role, named by CloudFormation after its stack
        arns=(
            ("aws:iam/role:Role", "arn:aws:iam::*:role/{name}"),
            (
                "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
                "arn:aws:iam::*:role/serverlessrepo-*",
            ),
        ),
    ),
    Family(
        "IamOidcProvider",
        _types("aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
        (
            "iam:CreateOpenIDConnectProvider",
            "iam:GetOpenIDConnectProvider",
            "iam:DeleteOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ),
        arns=(("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "arn:aws:iam::*:oidc-provider/{providerPath}"),),
    ),
    Family(
        "IamUsers",
        _types("aws:iam/user:User", "aws:iam/userPolicy:UserPolicy", "aws:iam/accessKey:AccessKey"),
        (
            "iam:CreateUser",
            "iam:GetUser",
            "iam:UpdateUser",
            "iam:DeleteUser",
            "iam:TagUser",
            "iam:UntagUser",
            "iam:PutUserPolicy",
            "iam:GetUserPolicy",
            "iam:DeleteUserPolicy",
            "iam:ListUserPolicies",
            "iam:ListAttachedUserPolicies",
            "iam:ListGroupsForUser",
            "iam:CreateAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
            "iam:DeleteAccessKey",
        ),
        arns=(("aws:iam/user:User", "arn:aws:iam::*:user/{name}"),),
    ),
    Family(
        "LambdaFunctions",
        _types(
            "aws:lambda/function:Function",
            "aws:lambda/permission:Permission",
            "aws:lambda/functionUrl:FunctionUrl",
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        ),
        (
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:DeleteFunction",
            "lambda:ListVersionsByFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            "lambda:GetFunctionConcurrency",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:ListTags",
            "lambda:AddPermission",
            "lambda:RemovePermission",
            "lambda:GetPolicy",
            "lambda:CreateFunctionUrlConfig",
            "lambda:GetFunctionUrlConfig",
            "lambda:UpdateFunctionUrlConfig",
            "lambda:DeleteFunctionUrlConfig",
            "lambda:PutFunctionEventInvokeConfig",
            "lambda:GetFunctionEventInvokeConfig",
            "lambda:UpdateFunctionEventInvokeConfig",
            "lambda:DeleteFunctionEventInvokeConfig",
            "lambda:GetRuntimeManagementConfig",
        ),
        arns=(
            ("aws:lambda/function:Function", "arn:aws:lambda:{region}:*:function:{name}"),
            (
                "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
                "arn:aws:lambda:{region}:*:function:{functionName}",
            ),
        ),
    ),
    Family(
        "LambdaLayers",
        _types("aws:lambda/function:Function"),
        ("lambda:GetLayerVersion",),
        extra_resources=(POWERTOOLS_LAYERS,),
    ),
    Family(
        "LogGroups",
        _types("aws:cloudwatch/logGroup:LogGroup"),
        (
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
            "logs:ListTagsForResource",
            "logs:AssociateKmsKey",
            "logs:DisassociateKmsKey",
        ),
        arns=(("aws:cloudwatch/logGroup:LogGroup", "arn:aws:logs:{region}:*:log-group:{name}"),),
        unscoped=("logs:DescribeLogGroups",),
    ),
    Family(
        "KmsKeys",
        _types("aws:kms/key:Key"),
        (
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:PutKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:EnableKeyRotation",
            "kms:DisableKeyRotation",
            "kms:UpdateKeyDescription",
            "kms:ListResourceTags",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ScheduleKeyDeletion",
            "kms:CreateGrant",
            "kms:GenerateDataKey",
            "kms:Decrypt",
            "kms:Encrypt",
        ),
        unscoped=("kms:CreateKey",),
        extra_resources=("arn:aws:kms:{region}:*:key/*",),
    ),
    Family(
        "Secrets",
        _types(
            "aws:secretsmanager/secret:Secret",
            "aws:secretsmanager/secretVersion:SecretVersion",
            "aws:secretsmanager/secretRotation:SecretRotation",
            "aws:secretsmanager/secretPolicy:SecretPolicy",
        ),
        (
            "secretsmanager:CreateSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:UpdateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            "secretsmanager:PutSecretValue",
            "secretsmanager:GetSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
            "secretsmanager:RotateSecret",
            "secretsmanager:CancelRotateSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:PutResourcePolicy",
            "secretsmanager:DeleteResourcePolicy",
        ),
        arns=(("aws:secretsmanager/secret:Secret", "arn:aws:secretsmanager:{region}:*:secret:{name}-*"),),
    ),
    Family(
        "AuroraCluster",
        _types("aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance", "aws:rds/subnetGroup:SubnetGroup"),
        (
            "rds:CreateDBCluster",
            "rds:DescribeDBClusters",
            "rds:ModifyDBCluster",
            "rds:DeleteDBCluster",
            "rds:CreateDBInstance",
            "rds:DescribeDBInstances",
            "rds:ModifyDBInstance",
            "rds:DeleteDBInstance",
            "rds:CreateDBSubnetGroup",
            "rds:DescribeDBSubnetGroups",
            "rds:ModifyDBSubnetGroup",
            "rds:DeleteDBSubnetGroup",
            "rds:AddTagsToResource",
            "rds:RemoveTagsFromResource",
            "rds:ListTagsForResource",
            "rds:CreateDBClusterSnapshot",
        ),
        arns=(
            ("aws:rds/cluster:Cluster", "arn:aws:rds:{region}:*:cluster:{name}"),
            ("aws:rds/clusterInstance:ClusterInstance", "arn:aws:rds:{region}:*:db:{name}"),
            ("aws:rds/subnetGroup:SubnetGroup", "arn:aws:rds:{region}:*:subgrp:{name}"),
        ),
        extra_resources=(
            "arn:aws:rds:{region}:*:cluster-snapshot:{project}-{stack}-*",
            "arn:aws:rds:{region}:*:cluster-pg:default.*",
            "arn:aws:rds:{region}:*:pg:default.*",
        ),
    ),
    Family(
        "Network",
        _types(
            "aws:ec2/vpc:Vpc",
            "aws:ec2/subnet:Subnet",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "aws:ec2/vpcEndpoint:VpcEndpoint",
        ),
        (
            "ec2:CreateVpc",
            "ec2:DeleteVpc",
            "ec2:ModifyVpcAttribute",
            "ec2:CreateSubnet",
            "ec2:DeleteSubnet",
            "ec2:ModifySubnetAttribute",
            "ec2:CreateSecurityGroup",
            "ec2:DeleteSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:ModifySecurityGroupRules",
            "ec2:CreateVpcEndpoint",
            "ec2:ModifyVpcEndpoint",
            "ec2:DeleteVpcEndpoints",
            "ec2:CreateTags",
            "ec2:DeleteTags",
        ),
        extra_resources=("arn:aws:ec2:{region}:*:*",),
        unscoped=(
            "ec2:DescribeVpcs",
            "ec2:DescribeVpcAttribute",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSecurityGroupRules",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribePrefixLists",
            "ec2:DescribeTags",
            "route53:AssociateVPCWithHostedZone",
        ),
    ),
    Family(
        "RotationApplication",
        _types("aws:serverlessrepository/cloudFormationStack:CloudFormationStack"),
        (
            "serverlessrepo:CreateCloudFormationChangeSet",
            "serverlessrepo:CreateCloudFormationTemplate",
            "serverlessrepo:GetCloudFormationTemplate",
            "serverlessrepo:GetApplication",
        ),
        arns=(("aws:serverlessrepository/cloudFormationStack:CloudFormationStack", "{applicationId}"),),
    ),
    Family(
        "RotationApplicationStack",
        _types("aws:serverlessrepository/cloudFormationStack:CloudFormationStack"),
        (
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
            "cloudformation:DescribeChangeSet",
            "cloudformation:DeleteChangeSet",
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "cloudformation:GetTemplate",
            "cloudformation:UpdateStack",
            "cloudformation:DeleteStack",
            "cloudformation:TagResource",
            "cloudformation:UntagResource",
        ),
        extra_resources=(
            "arn:aws:cloudformation:{region}:*:stack/serverlessrepo-*/*",
            "arn:aws:cloudformation:{region}:aws:transform/Serverless-2016-10-31",
        ),
    ),
    Family(
        "HttpApis",
        _types(
            "aws:apigatewayv2/api:Api",
            "aws:apigatewayv2/integration:Integration",
            "aws:apigatewayv2/route:Route",
            "aws:apigatewayv2/stage:Stage",
            "aws:apigatewayv2/authorizer:Authorizer",
        ),
        ("apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"),
        extra_resources=(
            "arn:aws:apigateway:{region}::/apis",
            "arn:aws:apigateway:{region}::/apis/*",
            "arn:aws:apigateway:{region}::/tags/*",
        ),
    ),
    Family(
        "RestApis",
        _types(
            "aws:apigateway/restApi:RestApi",
            "aws:apigateway/resource:Resource",
            "aws:apigateway/method:Method",
            "aws:apigateway/methodResponse:MethodResponse",
            "aws:apigateway/integration:Integration",
            "aws:apigateway/integrationResponse:IntegrationResponse",
            "aws:apigateway/deployment:Deployment",
            "aws:apigateway/stage:Stage",
            "aws:apigateway/methodSettings:MethodSettings",
            "aws:apigateway/restApiPolicy:RestApiPolicy",
        ),
        (
            "apigateway:GET",
            "apigateway:POST",
            "apigateway:PUT",
            "apigateway:PATCH",
            "apigateway:DELETE",
            "apigateway:UpdateRestApiPolicy",
        ),
        extra_resources=(
            "arn:aws:apigateway:{region}::/restapis",
            "arn:aws:apigateway:{region}::/restapis/*",
            "arn:aws:apigateway:{region}::/tags/*",
        ),
    ),
    Family(
        "ApiGatewayAccount",
        _types("aws:apigateway/account:Account"),
        ("apigateway:GET", "apigateway:PATCH"),
        extra_resources=("arn:aws:apigateway:{region}::/account",),
    ),
    Family(
        "Tables",
        _types("aws:dynamodb/table:Table"),
        (
            "dynamodb:CreateTable",
            "dynamodb:DescribeTable",
            "dynamodb:UpdateTable",
            "dynamodb:DeleteTable",
            "dynamodb:DescribeTimeToLive",
            "dynamodb:UpdateTimeToLive",
            "dynamodb:DescribeContinuousBackups",
            "dynamodb:UpdateContinuousBackups",
            "dynamodb:TagResource",
            "dynamodb:UntagResource",
            "dynamodb:ListTagsOfResource",
        ),
        arns=(("aws:dynamodb/table:Table", "arn:aws:dynamodb:{region}:*:table/{name}"),),
    ),
    Family(
        "Parameters",
        _types("aws:ssm/parameter:Parameter"),
        (
            "ssm:PutParameter",
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:DeleteParameter",
            "ssm:AddTagsToResource",
            "ssm:RemoveTagsFromResource",
            "ssm:ListTagsForResource",
        ),
        arns=(("aws:ssm/parameter:Parameter", "arn:aws:ssm:{region}:*:parameter{name}"),),
        unscoped=("ssm:DescribeParameters",),
    ),
    Family(
        "Topics",
        _types("aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "aws:sns/topicSubscription:TopicSubscription"),
        (
            "sns:CreateTopic",
            "sns:DeleteTopic",
            "sns:GetTopicAttributes",
            "sns:SetTopicAttributes",
            "sns:TagResource",
            "sns:UntagResource",
            "sns:ListTagsForResource",
            "sns:Subscribe",
            "sns:Unsubscribe",
            "sns:GetSubscriptionAttributes",
            "sns:SetSubscriptionAttributes",
        ),
        arns=(("aws:sns/topic:Topic", "arn:aws:sns:{region}:*:{name}"),),
    ),
    Family(
        "Queues",
        _types("aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy"),
        (
            "sqs:CreateQueue",
            "sqs:DeleteQueue",
            "sqs:GetQueueAttributes",
            "sqs:SetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:TagQueue",
            "sqs:UntagQueue",
            "sqs:ListQueueTags",
        ),
        arns=(("aws:sqs/queue:Queue", "arn:aws:sqs:{region}:*:{name}"),),
    ),
    Family(
        "Alarms",
        _types("aws:cloudwatch/metricAlarm:MetricAlarm"),
        (
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:TagResource",
            "cloudwatch:UntagResource",
            "cloudwatch:ListTagsForResource",
        ),
        arns=(("aws:cloudwatch/metricAlarm:MetricAlarm", "arn:aws:cloudwatch:{region}:*:alarm:{name}"),),
    ),
    Family(
        "EventRules",
        _types("aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget"),
        (
            "events:PutRule",
            "events:DescribeRule",
            "events:DeleteRule",
            "events:PutTargets",
            "events:RemoveTargets",
            "events:ListTargetsByRule",
            "events:TagResource",
            "events:UntagResource",
            "events:ListTagsForResource",
        ),
        arns=(("aws:cloudwatch/eventRule:EventRule", "arn:aws:events:{region}:*:rule/{name}"),),
    ),
    Family(
        "ImageRepositories",
        _types(
            "aws:ecr/repository:Repository",
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        ),
        (
            "ecr:CreateRepository",
            "ecr:DescribeRepositories",
            "ecr:DeleteRepository",
            "ecr:SetRepositoryPolicy",
            "ecr:GetRepositoryPolicy",
            "ecr:DeleteRepositoryPolicy",
            "ecr:PutLifecyclePolicy",
            "ecr:GetLifecyclePolicy",
            "ecr:DeleteLifecyclePolicy",
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:TagResource",
            "ecr:UntagResource",
            "ecr:ListTagsForResource",
        ),
        arns=(("aws:ecr/repository:Repository", "arn:aws:ecr:{region}:*:repository/{name}"),),
    ),
)

# Types that call no AWS API (the engine's own, or computed locally by the random provider).
NO_AWS_CALLS = frozenset(
    {
        "pulumi:providers:aws",
        "pulumi:providers:random",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomId:RandomId",
    }
)
# What the program reads before it declares anything (data sources); GetCallerIdentity needs no permission.
PROGRAM_READS = ("ec2:DescribeAvailabilityZones",)
