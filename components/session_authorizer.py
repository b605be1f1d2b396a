"""SessionAuthorizer: the REQUEST authorizer downstream HTTP APIs use to admit only live TVM sessions."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import iam
from components.function import FunctionSpec, ServiceFunction
from components.platform import Platform


class SessionAuthorizer(pulumi.ComponentResource):
    """REQUEST authorizer (payload 2.0, simple responses) for downstream HTTP APIs: allows
    only active, unexpired TVM sessions named by ``X-Sentinel-Session-ID`` or the
    ``sentinel_session_id`` query parameter. ``attach`` adds it to another API."""

    function_arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        sessions_table: aws.dynamodb.Table,
        platform: Platform,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:tvm:SessionAuthorizer", name, None, opts)
        self._name = name
        self._fn = ServiceFunction(
            f"{name}-fn",
            FunctionSpec(
                code="authorizer",
                description="Allows requests that carry an active TVM session id",
                statements=[iam.allow(["dynamodb:GetItem"], [sessions_table.arn])],
                environment={"TVM_SESSION_TABLE": sessions_table.name},
                timeout_seconds=5,
                memory_mb=128,
            ),
            platform,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.function_arn = self._fn.function.arn
        self.invoke_arn = self._fn.function.invoke_arn
        self.role_arn = self._fn.role.arn
        self.register_outputs({"functionArn": self.function_arn, "invokeArn": self.invoke_arn})

    def attach(
        self,
        name: str,
        api_id: pulumi.Input[str],
        execution_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.apigatewayv2.Authorizer:
        """Declare this authorizer on another HTTP API; its routes then use
        ``authorization_type="CUSTOM"`` and ``authorizer_id=<returned>.id``.

        No identity sources and no result cache: the header and the query parameter are
        alternatives (API Gateway would require both), and a revocation applies at once."""
        authorizer = aws.apigatewayv2.Authorizer(
            name,
            api_id=api_id,
            authorizer_type="REQUEST",
            authorizer_uri=self.invoke_arn,
            authorizer_payload_format_version="2.0",
            enable_simple_responses=True,
            authorizer_result_ttl_in_seconds=0,
            identity_sources=[],
            opts=opts,
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            function=self._fn.function.name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(execution_arn, "/authorizers/", authorizer.id),
            opts=opts,
        )
        return authorizer
