"""HttpApi: an API Gateway HTTP API in front of one Lambda function.

Routes use IAM (SigV4) authorisation unless a route is declared public on purpose; the
policy pack then has to name it as an exemption too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platform import Platform
from components.settings.http_api import ThrottleSettings

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "sourceIp": "$context.identity.sourceIp",
        "caller": "$context.identity.userArn",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationError": "$context.integrationErrorMessage",
    },
    sort_keys=True,
)
PATH_PARAMETER = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class ApiRoute:
    route_key: str
    public: bool = False

    @property
    def authorization_type(self) -> str:
        return "NONE" if self.public else "AWS_IAM"

    @property
    def invoke_path(self) -> str:
        """The ``METHOD/path`` part of an execute-api source ARN. A path parameter
        (``{id}``, ``{proxy+}``) becomes ``*``: the ARN API Gateway presents carries the
        value, so a literal ``{id}`` would never match and every call would fail."""
        method, path = self.route_key.split(" ", 1)
        return method + PATH_PARAMETER.sub("*", path)

    @property
    def slug(self) -> str:
        """A resource-name fragment: ``POST /approvals/{id}/approve`` → ``post-approvals-id-approve``."""
        method, path = self.route_key.split(" ", 1)
        words = re.sub(r"[{}+.]", "", method + path).strip("/").replace("/", "-").lower()
        return words or "root"


class HttpApi(pulumi.ComponentResource):
    """HTTP API with payload 2.0 proxy integration, a throttled auto-deployed ``$default``
    stage with JSON access logs, and invoke permissions scoped to each route."""

    endpoint: pulumi.Output[str]
    execution_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        function: aws.lambda_.Function,
        routes: Sequence[ApiRoute],
        throttle: ThrottleSettings,
        platform: Platform,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:api:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(
            f"{name}", protocol_type="HTTP", description=f"{platform.project}/{platform.stack} {name}", opts=child
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=api.id,
            integration_type="AWS_PROXY",
            integration_uri=function.arn,
            payload_format_version="2.0",
            opts=child,
        )
        for route in routes:
            self._route(name, api, integration, function, route)
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs", retention_in_days=platform.observability.log_retention_days, opts=child
        )
        aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_rate_limit=throttle.rate_limit, throttling_burst_limit=throttle.burst_limit
            ),
            opts=child,
        )
        self.endpoint = api.api_endpoint
        self.execution_arn = api.execution_arn
        self.register_outputs({"endpoint": self.endpoint, "executionArn": self.execution_arn})

    def _route(
        self,
        name: str,
        api: aws.apigatewayv2.Api,
        integration: aws.apigatewayv2.Integration,
        function: aws.lambda_.Function,
        route: ApiRoute,
    ) -> None:
        slug = route.slug
        aws.apigatewayv2.Route(
            f"{name}-{slug}",
            api_id=api.id,
            route_key=route.route_key,
            authorization_type=route.authorization_type,
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.lambda_.Permission(
            f"{name}-{slug}-invoke",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/*/", route.invoke_path),
            opts=pulumi.ResourceOptions(parent=self),
        )
