"""iam-platform: build every system the stack enables and export its outputs."""

import pulumi
import pulumi_aws as aws

from components.database import RotatedAuroraSecret
from components.external import ExternalSecretReader
from components.jwks import JwksEndpoint
from components.layers import ExecutionLayer, VerificationLayer
from components.network import PrivateNetwork
from components.notifications import AlarmTopic
from components.platform import Platform
from components.settings import load_stack_config
from components.tvm import TokenVendingMachine

config = load_stack_config()
provider = aws.Provider("aws", region=config.region, default_tags=aws.ProviderDefaultTagsArgs(tags=config.default_tags))
on_aws = pulumi.ResourceOptions(providers={"aws": provider})

platform = Platform.for_stack(config, opts=pulumi.InvokeOptions(provider=provider))
alarms = AlarmTopic("alarms", config.notifications, platform, opts=on_aws)
platform = platform.with_alarm_topic(alarms.topic_arn)
pulumi.export("alarmTopicArn", alarms.topic_arn)

if config.jwks.enabled:
    jwks = JwksEndpoint("jwks", config.jwks, platform, opts=on_aws)
    pulumi.export("jwksUrl", jwks.url)
    pulumi.export("jwksSecretArn", jwks.secret_arn)

if config.database.enabled:
    network = PrivateNetwork("network", config.network, platform, opts=on_aws)
    database = RotatedAuroraSecret("database", config.database, network, platform, opts=on_aws)
    pulumi.export("databaseEndpoint", database.endpoint)
    pulumi.export("databaseSecretArn", database.secret_arn)

if config.tvm.enabled:
    tvm = TokenVendingMachine("tvm", config.tvm, platform, opts=on_aws)
    pulumi.export("tvmEndpoint", tvm.endpoint)
    pulumi.export("tvmSessionsTable", tvm.sessions_table.name)
    pulumi.export("tvmApprovalsTable", tvm.approvals_table.name)
    pulumi.export("tvmIdentitySources", tvm.identity_sources)
    pulumi.export("tvmProtectedRoleArns", {n: r.arn for n, r in tvm.protected_roles.items()})
    pulumi.export("tvmAuthorizerFunctionArn", tvm.authorizer.function_arn)

if config.layers.enabled:
    execution = ExecutionLayer("execution", config.layers, platform, opts=on_aws)
    verification = VerificationLayer("verification", config.layers, execution, platform, opts=on_aws)
    pulumi.export("slackEventsUrl", verification.url)
    pulumi.export("executionApiUrl", execution.api.invoke_url)

if config.external.enabled:
    reader = ExternalSecretReader("external-reader", config.external, platform, opts=on_aws)
    for key, value in reader.exports().items():
        pulumi.export(f"externalReader{key}", value)
