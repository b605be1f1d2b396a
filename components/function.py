"""ServiceFunction: one Lambda with its own auto-named role, log group and alarms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from components import iam
from components.alarms import lambda_metric, metric_alarm
from components.archive import lambda_archive
from components.platform import Platform

if TYPE_CHECKING:
    from components.images import ContainerImage

# X-Ray's write actions cannot be scoped to a resource.
XRAY_WRITE = iam.allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])
# What Lambda needs to attach a function to a VPC: the ec2 actions of the managed policy
# AWSLambdaVPCAccessExecutionRole, without its logs:* on "*". Lambda calls them with the
# execution role and they cannot be scoped to a resource or condition for that use, hence
# "*"; they create network interfaces only, and only in the subnets the function names.
VPC_ACCESS = iam.allow(
    [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ],
    ["*"],
    sid="LambdaVpcNetworkInterfaces",
)


@dataclass(frozen=True)
class FunctionVpc:
    """Private subnets and security groups for a function that must reach a VPC."""

    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]


@dataclass(frozen=True)
class FunctionSpec:
    """What a system asks of its function; platform-wide defaults fill in the rest."""

    code: str
    description: str
    statements: Sequence[iam.Statement] = ()
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    timeout_seconds: int | None = None
    memory_mb: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)  # on the function, e.g. for the pack
    role_tags: Mapping[str, str] = field(default_factory=dict)  # e.g. the tag the pack finds the TVM role by
    # A container image instead of lambdas/<code>: pass code="" with it.
    image: ContainerImage | None = None
    vpc: FunctionVpc | None = None
    layers: Sequence[pulumi.Input[str]] = ()  # after the Powertools layer
    # Pure-Python packages the runtime lacks, bundled from the deploying environment
    # (pinned in lambdas/requirements.txt), e.g. ("pymysql",).
    packages: Sequence[str] = ()

    def __post_init__(self) -> None:
        if bool(self.code) == bool(self.image):
            raise ValueError("a function runs either lambdas/<code> or a container image, exactly one")
        if self.image and (self.layers or self.packages):
            raise ValueError("layers and packages apply to lambdas/<code> functions; an image carries its own")


class ServiceFunction(pulumi.ComponentResource):
    """A Lambda function whose role trusts lambda.amazonaws.com only and grants only
    what the caller passes, plus its own log group and X-Ray writes.

    The role is auto-named: a recreated role gets a new ARN, which updates the function
    and so renews the KMS grant Lambda holds for it. A spec with ``image`` runs a container
    image from an ``ImageRepository`` (components/images.py) instead of lambdas/<code>.
    """

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    def __init__(
        self, name: str, spec: FunctionSpec, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:function:ServiceFunction", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        settings = platform.functions
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=platform.observability.log_retention_days, opts=child
        )
        # No confused-deputy condition: Lambda assumes an execution role only for a function
        # in this account whose deployer held iam:PassRole on it.
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=iam.policy_document([iam.service_trust("lambda.amazonaws.com")]),
            description=f"Execution role of {platform.project}/{platform.stack} {name}",
            tags=dict(spec.role_tags) or None,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=iam.policy_document(self._statements(spec, settings.environment_kms_key_arn)),
            opts=child,
        )
        image_pull = (
            [spec.image.repository.allow_pull(f"{name}-pull", f"{name}-function", platform, parent=self)]
            if spec.image
            else []
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            description=spec.description,
            tags=dict(spec.tags) or None,
            role=self.role.arn,
            architectures=[settings.architecture],
            **_package(spec, platform),
            memory_size=spec.memory_mb or settings.memory_mb,
            timeout=spec.timeout_seconds or settings.timeout_seconds,
            reserved_concurrent_executions=spec.reserved_concurrency,
            kms_key_arn=settings.environment_kms_key_arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={"POWERTOOLS_SERVICE_NAME": name, **spec.environment}
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=self.log_group.name, application_log_level="INFO", system_log_level="WARN"
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(
                mode="Active" if platform.observability.tracing else "PassThrough"
            ),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=list(spec.vpc.subnet_ids), security_group_ids=list(spec.vpc.security_group_ids)
            )
            if spec.vpc
            else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *image_pull]),
        )
        if platform.observability.alarms_enabled:
            for metric in ("Errors", "Throttles"):
                self._alarm(name, metric, platform)
        self.register_outputs({"functionArn": self.function.arn, "roleArn": self.role.arn})

    def grant(self, suffix: str, statements: Sequence[iam.Statement]) -> aws.iam.RolePolicy:
        """A further inline policy, for grants on resources that need this role to exist first
        (roles whose trust policy names it)."""
        return aws.iam.RolePolicy(
            f"{self._name}-{suffix}",
            role=self.role.id,
            policy=iam.policy_document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _statements(self, spec: FunctionSpec, kms_key_arn: str | None) -> list[iam.Statement]:
        log_streams = pulumi.Output.concat(self.log_group.arn, ":log-stream:*")
        statements = [iam.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_streams]), XRAY_WRITE]
        if kms_key_arn:
            statements.append(iam.allow(["kms:Decrypt"], [kms_key_arn]))
        if spec.image:
            statements.append(iam.allow(["kms:Decrypt"], [spec.image.repository.key_arn]))
        if spec.vpc:
            statements.append(VPC_ACCESS)
        return statements + list(spec.statements)

    def _alarm(self, name: str, metric: str, platform: Platform) -> None:
        metric_alarm(
            f"{name}-{metric.lower()}-alarm",
            f"{name}: Lambda {metric} in the last 5 minutes",
            1,
            platform,
            self,
            lambda_metric(metric, self.function.name),
        )


def _package(spec: FunctionSpec, platform: Platform) -> dict[str, Any]:
    """Zip (lambdas/<code> on the Powertools layer) or Image (from an encrypted ECR repository)."""
    if spec.image:
        return {"package_type": "Image", "image_uri": spec.image.uri()}
    settings = platform.functions
    return {
        "runtime": settings.runtime,
        "handler": f"lambdas.{spec.code}.handler.handler",
        "code": lambda_archive(spec.code, spec.packages),
        "layers": [platform.powertools_layer_arn(settings.runtime, settings.architecture), *spec.layers],
    }
