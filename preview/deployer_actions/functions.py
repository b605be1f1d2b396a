"""Deployer-policy families for Lambda functions, their layers and log groups."""

from __future__ import annotations

from preview.deployer_actions.family import Family, types

POWERTOOLS_LAYERS = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-*"

FAMILIES: tuple[Family, ...] = (
    Family(
        "LambdaFunctions",
        types(
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
        types("aws:lambda/function:Function"),
        ("lambda:GetLayerVersion",),
        extra_resources=(POWERTOOLS_LAYERS,),
    ),
    Family(
        "LogGroups",
        types("aws:cloudwatch/logGroup:LogGroup"),
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
)
