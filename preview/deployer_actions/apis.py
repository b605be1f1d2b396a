"""Deployer-policy families for HTTP and REST APIs and API Gateway's account settings."""

from __future__ import annotations

from preview.deployer_actions.family import Family, types

FAMILIES: tuple[Family, ...] = (
    Family(
        "HttpApis",
        types(
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
        types(
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
        types("aws:apigateway/account:Account"),
        ("apigateway:GET", "apigateway:PATCH"),
        extra_resources=("arn:aws:apigateway:{region}::/account",),
    ),
)
