"""What every system of a stack shares: its account, settings and alarm topic."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws

from components.settings import StackConfig
from components.settings.functions import FunctionSettings
from components.settings.observability import ObservabilitySettings
from components.settings.protection import ProtectionSettings

POWERTOOLS_LAYER_ACCOUNT = "017000801446"


@dataclass(frozen=True)
class Platform:
    """Typed shared context handed to every system component."""

    project: str
    stack: str
    region: str
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]
    functions: FunctionSettings
    observability: ObservabilitySettings
    protection: ProtectionSettings
    alarm_topic_arn: pulumi.Output[str] | None = None

    @staticmethod
    def for_stack(config: StackConfig, opts: pulumi.InvokeOptions | None = None) -> Platform:
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        return Platform(
            project=config.project,
            stack=config.stack,
            region=config.region,
            account_id=identity.account_id,
            partition=partition.partition,
            functions=config.functions,
            observability=config.observability,
            protection=config.protection,
        )

    def with_alarm_topic(self, topic_arn: pulumi.Output[str]) -> Platform:
        return replace(self, alarm_topic_arn=topic_arn)

    def alarm_actions(self) -> list[pulumi.Output[str]]:
        if self.alarm_topic_arn is None:
            raise RuntimeError("the alarm topic is created before any system")
        return [self.alarm_topic_arn]

    def root_principal(self) -> pulumi.Output[str]:
        """The account itself, for key policies that delegate to IAM."""
        return pulumi.Output.concat("arn:", self.partition, ":iam::", self.account_id, ":root")

    def powertools_layer_arn(self, runtime: str, architecture: str) -> pulumi.Output[str]:
        """AWS's public Powertools for AWS Lambda (Python) v3 layer, pinned by setting."""
        flavour = f"{runtime.replace('.', '')}-{architecture}"
        return pulumi.Output.concat(
            "arn:",
            self.partition,
            ":lambda:",
            self.region,
            ":",
            POWERTOOLS_LAYER_ACCOUNT,
            ":layer:AWSLambdaPowertoolsPythonV3-",
            flavour,
            ":",
            str(self.functions.powertools_layer_version),
        )
