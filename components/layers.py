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

import pulumi
import pulumi_aws as aws

from components import iam, tags
from components.alarms import Metric, metric_alarm
from components.execution_api import ExecutionApi
from components.function import FunctionSpec, ServiceFunction
from components.platform import Platform
from components.secrets import DeclaredSecret, OperatorSecret
from components.settings.layers import LayersSettings


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


def _slack_secret(
    parent: pulumi.Resource, resource_name: str, secret_name: str, description: str, platform: Platform
) -> DeclaredSecret:
    """A Slack credential operators put (`aws secretsmanager put-secret-value`)."""
    return OperatorSecret(
        secret_name,
        description,
        "issued by Slack - rotate it in the Slack app then put-secret-value",
    ).declare(resource_name, platform, parent)
