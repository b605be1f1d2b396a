"""The Slack app's two layers: a public verification layer and a private execution layer.

Slack → Function URL → verification function (checks Slack's signature) → either the REST
API (SigV4, ``POST /execute``, async Lambda integration) or, while the rollout is below
100 %, a direct asynchronous invoke → execution function → Bedrock → Slack.

Wiring order (the API's resource policy names the verification role, whose policy names
the API): ``ExecutionLayer`` builds the function and the API's methods; ``VerificationLayer``
builds its function and then admits its role to the API, which creates the API's resource
policy, deployment and ``prod`` stage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam, tags
from components.alarms import Metric, metric_alarm
from components.function import FunctionSpec, ServiceFunction
from components.platform import Platform
from components.secrets import DeclaredSecret, OperatorSecret
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


class ExecutionLayer(pulumi.ComponentResource):
    """The execution function (Bedrock, then Slack), its failed-event queue, and the API
    in front of it."""

    function_arn: pulumi.Output[str]
    dead_letter_url: pulumi.Output[str]
    api: ExecutionApi

    def __init__(
        self, name: str, settings: LayersSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:layers:ExecutionLayer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        default_name = f"{platform.project}/{platform.stack}/slack/bot-token"
        bot_token = _slack_secret(
            self,
            f"{name}-bot-token",
            settings.bot_token_secret_name or default_name,
            "Slack bot token (xoxb-...) the execution layer posts replies with",
            platform,
        )
        dead_letters = aws.sqs.Queue(
            f"{name}-dlq",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=settings.dead_letter_retention_days * 86400,
            opts=child,
        )
        model_arn = pulumi.Output.concat(
            "arn:", platform.partition, ":bedrock:", platform.region, "::foundation-model/", settings.bedrock_model_id
        )
        self.fn = ServiceFunction(
            f"{name}-fn",
            FunctionSpec(
                code="execution",
                description="Answers verified Slack messages with a Bedrock model",
                tags={tags.FUNCTION_ROLE: tags.EXECUTION},
                statements=[
                    *bot_token.read_statements(),
                    iam.allow(["bedrock:InvokeModel"], [model_arn]),
                    iam.allow(["sqs:SendMessage"], [dead_letters.arn]),  # the on-failure destination
                ],
                environment={
                    "SLACK_BOT_TOKEN_SECRET_ID": bot_token.arn,
                    "BEDROCK_MODEL_ID": settings.bedrock_model_id,
                    "BEDROCK_MAX_TOKENS": str(settings.max_tokens),
                    "SLACK_API_BASE_URL": settings.slack_api_base_url,
                },
                reserved_concurrency=settings.execution_reserved_concurrency,
                timeout_seconds=settings.execution_timeout_seconds,
            ),
            platform,
            opts=child,
        )
        # A retry could post a second reply: retries are a setting, 0 by default.
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-async",
            function_name=self.fn.function.name,
            maximum_retry_attempts=settings.async_retry_attempts,
            maximum_event_age_in_seconds=settings.max_event_age_seconds,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=dead_letters.arn
                )
            ),
            opts=child,
        )
        if platform.observability.alarms_enabled:
            metric_alarm(
                f"{name}-dlq-alarm",
                f"{name}: failed Slack events waiting in the dead-letter queue",
                settings.alarms.dead_letters,
                platform,
                self,
                Metric(
                    "ApproximateNumberOfMessagesVisible",
                    {"QueueName": dead_letters.name},
                    "AWS/SQS",
                    statistic="Maximum",
                ),
                settings.alarms.period_seconds,
            )
        self.api = ExecutionApi(f"{name}-api", self.fn.function, settings, platform, opts=child)
        self.function_arn = self.fn.function.arn
        self.dead_letter_url = dead_letters.url
        self.register_outputs(
            {"functionArn": self.function_arn, "deadLetterUrl": self.dead_letter_url, "apiUrl": self.api.invoke_url}
        )


class VerificationLayer(pulumi.ComponentResource):
    """The public ingress: a function behind a Function URL with auth NONE (Slack cannot
    sign with SigV4; the function checks Slack's signature itself, and the policy pack
    exempts this URL by name), allowed to call the execution API, and to invoke the
    execution function directly only while the rollout is below 100 %."""

    url: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: LayersSettings,
        execution: ExecutionLayer,
        platform: Platform,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("iam-platform:layers:VerificationLayer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        signing_secret = _slack_secret(
            self,
            f"{name}-signing-secret",
            settings.signing_secret_name or f"{platform.project}/{platform.stack}/slack/signing-secret",
            "Slack app signing secret the verification layer checks requests with",
            platform,
        )
        percent = settings.rollout.api_gateway_percent
        statements = [
            *signing_secret.read_statements(),
            iam.allow(["execute-api:Invoke"], [execution.api.execute_arn]),
        ]
        environment: dict[str, pulumi.Input[str]] = {
            "SLACK_SIGNING_SECRET_ID": signing_secret.arn,
            "EXECUTION_API_URL": execution.api.invoke_url,
            "ROLLOUT_PERCENT": str(percent),
        }
        if percent < 100:  # the old path; gone at 100 % (source step 5.4)
            statements.append(iam.allow(["lambda:InvokeFunction"], [execution.function_arn]))
            environment["EXECUTION_FUNCTION_ARN"] = execution.function_arn
        self.fn = ServiceFunction(
            f"{name}-fn",
            FunctionSpec(
                code="verification",
                description="Verifies Slack request signatures and hands events to the execution layer",
                tags={tags.ROLLOUT_PERCENT: str(settings.rollout.api_gateway_percent)},
                statements=statements,
                environment=environment,
                reserved_concurrency=settings.verification_reserved_concurrency,
                timeout_seconds=settings.verification_timeout_seconds,
            ),
            platform,
            opts=child,
        )
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url", function_name=self.fn.function.name, authorization_type="NONE", opts=child
        )
        # Public Function URLs need both grants (since October 2025), each limited to the URL.
        aws.lambda_.Permission(
            f"{name}-url-public",
            function=self.fn.function.name,
            action="lambda:InvokeFunctionUrl",
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-invoke",
            function=self.fn.function.name,
            action="lambda:InvokeFunction",
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        )
        execution.api.admit(self.fn.role.arn)
        self.url = function_url.function_url
        self.role_arn = self.fn.role.arn
        self.register_outputs({"url": self.url, "roleArn": self.role_arn})


def fingerprint(parts: Mapping[str, Any]) -> str:
    """SHA-256 of the deployed pieces' ids and settings (the deployment's trigger)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _slack_secret(
    parent: pulumi.Resource, resource_name: str, secret_name: str, description: str, platform: Platform
) -> DeclaredSecret:
    """A Slack credential operators put (`aws secretsmanager put-secret-value`)."""
    return OperatorSecret(
        secret_name,
        description,
        "issued by Slack - rotate it in the Slack app then put-secret-value",
    ).declare(resource_name, platform, parent)
