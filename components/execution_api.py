"""The execution layer's REST API: ``POST /execute`` with IAM (SigV4) auth, an asynchronous Lambda
integration, a resource policy that admits only the verification role, and the ``prod`` stage with
access logs and alarms. Its deployment is redeployed when the fingerprint of what it serves changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam
from components.alarms import Metric, metric_alarm
from components.platform import Platform
from components.settings.layers import LayerAlarmSettings, LayersSettings

STAGE = "prod"
EXECUTE_PATH = "execute"
API_NAMESPACE = "AWS/ApiGateway"
EXECUTE_ROUTE = f"POST/{EXECUTE_PATH}"
ASYNC_INVOCATION = {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}
# What the execution function receives through the API: the caller's JSON as ``payload``
# plus the gateway's request id and the caller's ARN (for its logs).
REQUEST_TEMPLATE = (
    '{"source": "api", "payload": $input.json(\'$\'), '
    '"requestId": "$context.requestId", '
    '"caller": "$util.escapeJavaScript($context.identity.userArn)"}'
)
ACCEPTED_TEMPLATE = '{"accepted": true, "requestId": "$context.requestId"}'
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "sourceIp": "$context.identity.sourceIp",
        "caller": "$context.identity.userArn",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "authorizeError": "$context.authorize.error",
        "integrationError": "$context.integrationErrorMessage",
    },
    sort_keys=True,
)


class ExecutionApi(pulumi.ComponentResource):
    """A regional REST API with one method, ``POST /execute`` (``AWS_IAM``), whose Lambda
    integration invokes the execution function asynchronously (202 at once).

    ``admit(role_arn)`` is called once, by the verification layer: it creates the resource
    policy allowing that role alone, the deployment and the throttled, logged ``prod`` stage.
    """

    execution_arn: pulumi.Output[str]
    execute_arn: pulumi.Output[str]
    invoke_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        function: aws.lambda_.Function,
        settings: LayersSettings,
        platform: Platform,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:layers:ExecutionApi", name, None, opts)
        self._name, self._settings, self._platform = name, settings, platform
        child = pulumi.ResourceOptions(parent=self)
        self.api = aws.apigateway.RestApi(
            name,
            description=f"{platform.project}/{platform.stack} execution layer (SigV4 callers only)",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            opts=child,
        )
        self.resource = aws.apigateway.Resource(
            f"{name}-execute",
            rest_api=self.api.id,
            parent_id=self.api.root_resource_id,
            path_part=EXECUTE_PATH,
            opts=child,
        )
        self.method = aws.apigateway.Method(
            f"{name}-post-execute",
            rest_api=self.api.id,
            resource_id=self.resource.id,
            http_method="POST",
            authorization="AWS_IAM",
            opts=child,
        )
        # Type AWS (not AWS_PROXY): only a non-proxy integration can set the invocation type.
        self.integration = aws.apigateway.Integration(
            f"{name}-integration",
            rest_api=self.api.id,
            resource_id=self.resource.id,
            http_method=self.method.http_method,
            type="AWS",
            integration_http_method="POST",
            uri=function.invoke_arn,
            request_parameters=ASYNC_INVOCATION,
            request_templates={"application/json": REQUEST_TEMPLATE},
            passthrough_behavior="NEVER",
            opts=child,
        )
        self.method_response = aws.apigateway.MethodResponse(
            f"{name}-accepted",
            rest_api=self.api.id,
            resource_id=self.resource.id,
            http_method=self.method.http_method,
            status_code="202",
            response_models={"application/json": "Empty"},
            opts=child,
        )
        self.integration_response = aws.apigateway.IntegrationResponse(
            f"{name}-accepted-integration",
            rest_api=self.api.id,
            resource_id=self.resource.id,
            http_method=self.method.http_method,
            status_code=self.method_response.status_code,
            response_templates={"application/json": ACCEPTED_TEMPLATE},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.integration]),
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/", EXECUTE_ROUTE),
            opts=child,
        )
        self.execution_arn = self.api.execution_arn
        self.execute_arn = pulumi.Output.concat(self.api.execution_arn, f"/{STAGE}/{EXECUTE_ROUTE}")
        self.invoke_url = pulumi.Output.concat(
            "https://", self.api.id, ".execute-api.", platform.region, ".amazonaws.com/", STAGE, "/", EXECUTE_PATH
        )
        self.stage: aws.apigateway.Stage | None = None
        self.register_outputs({"executionArn": self.execution_arn, "invokeUrl": self.invoke_url})

    def admit(self, caller_role_arn: pulumi.Input[str]) -> aws.apigateway.Stage:
        """Allow ``caller_role_arn`` alone to call ``POST /execute``, then deploy the stage."""
        if self.stage is not None:
            raise RuntimeError(f"{self._name} already admits its one caller")
        name, settings, platform = self._name, self._settings, self._platform
        child = pulumi.ResourceOptions(parent=self)
        # The Deny matters: in the same account an identity policy alone would otherwise
        # let any principal with execute-api:Invoke through.
        policy = aws.apigateway.RestApiPolicy(
            f"{name}-policy",
            rest_api_id=self.api.id,
            policy=iam.policy_document(
                [
                    iam.resource_grant(
                        {"AWS": [caller_role_arn]},
                        ["execute-api:Invoke"],
                        [self.execute_arn],
                        sid="VerificationLayerOnly",
                    ),
                    iam.deny_all_principals_but(
                        [caller_role_arn],
                        ["execute-api:Invoke"],
                        [pulumi.Output.concat(self.api.execution_arn, "/*")],
                        sid="NoOtherCaller",
                    ),
                ]
            ),
            opts=child,
        )
        deployed = [
            self.resource,
            self.method,
            self.integration,
            self.method_response,
            self.integration_response,
            policy,
        ]
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description=f"{platform.project}/{platform.stack} execution API",
            triggers={"redeployment": self._fingerprint(policy)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=deployed),
        )
        logging_ready = [self._account_logging_role()] if settings.manage_api_gateway_account else []
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.api.id,
            deployment=deployment.id,
            stage_name=STAGE,
            xray_tracing_enabled=platform.observability.tracing,
            access_log_settings=self._access_logs() if settings.logs_rest_api else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=logging_ready),
        )
        aws.apigateway.MethodSettings(
            f"{name}-settings",
            rest_api=self.api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                metrics_enabled=True,
                logging_level="ERROR" if settings.logs_rest_api else "OFF",
                data_trace_enabled=False,
                throttling_rate_limit=settings.throttle.rate_limit,
                throttling_burst_limit=settings.throttle.burst_limit,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=logging_ready),
        )
        if platform.observability.alarms_enabled:
            self._alarms(settings.alarms)
        return self.stage

    def _access_logs(self) -> aws.apigateway.StageAccessLogSettingsArgs:
        access_logs = aws.cloudwatch.LogGroup(
            f"{self._name}-access-logs",
            retention_in_days=self._platform.observability.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.apigateway.StageAccessLogSettingsArgs(destination_arn=access_logs.arn, format=ACCESS_LOG_FORMAT)

    def _account_logging_role(self) -> aws.apigateway.Account:
        """The region's API Gateway account setting: the role API Gateway logs with."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{self._name}-cloudwatch-role",
            # Unconditioned on purpose: AWS documents no source keys for the account logging role,
            # and API Gateway checks the role when the account setting changes, so a condition
            # it does not satisfy fails the deployment (the pack's advisory deputy rule says so).
            assume_role_policy=iam.policy_document([iam.service_trust("apigateway.amazonaws.com")]),
            description="API Gateway account role: writes REST API access and execution logs",
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-cloudwatch-logs",
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", self._platform.partition, ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            ),
            opts=child,
        )
        return aws.apigateway.Account(
            f"{self._name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )

    def _fingerprint(self, policy: aws.apigateway.RestApiPolicy) -> pulumi.Output[str]:
        """Changes whenever a deployed piece does: ids catch replacements, the
        configuration values catch in-place updates (a REST API serves only deployments)."""
        parts: dict[str, Any] = {
            "resource": self.resource.id,
            "method": self.method.id,
            "authorization": self.method.authorization,
            "integration": self.integration.id,
            "uri": self.integration.uri,
            "requestParameters": self.integration.request_parameters,
            "requestTemplates": self.integration.request_templates,
            "methodResponse": self.method_response.id,
            "integrationResponse": self.integration_response.id,
            "responseTemplates": self.integration_response.response_templates,
            "policy": policy.policy,
        }
        return pulumi.Output.all(**parts).apply(fingerprint)

    def _alarms(self, alarms: LayerAlarmSettings) -> None:
        dimensions: dict[str, pulumi.Input[str]] = {"ApiName": self.api.name, "Stage": STAGE}
        for metric, threshold, what in (
            ("4XXError", alarms.client_errors, "client errors (signature/authorisation failures)"),
            ("5XXError", alarms.server_errors, "server errors"),
        ):
            metric_alarm(
                f"{self._name}-{metric[:3].lower()}-alarm",
                f"{self._name}: {what}",
                threshold,
                self._platform,
                self,
                Metric(metric, dimensions, API_NAMESPACE, statistic="Sum"),
                alarms.period_seconds,
            )
        metric_alarm(
            f"{self._name}-latency-alarm",
            f"{self._name}: p99 latency in ms",
            alarms.latency_p99_ms,
            self._platform,
            self,
            Metric("Latency", dimensions, API_NAMESPACE, extended_statistic="p99"),
            alarms.period_seconds,
        )


def fingerprint(parts: Mapping[str, Any]) -> str:
    """SHA-256 of the deployed pieces' ids and settings (the deployment's trigger)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
