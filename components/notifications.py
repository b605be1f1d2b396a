"""The stack's alarm topic: an encrypted SNS topic every alarm notifies."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import iam
from components.kms import customer_managed_key
from components.platform import Platform
from components.settings.notifications import NotificationSettings


class AlarmTopic(pulumi.ComponentResource):
    """SNS topic encrypted with its own customer-managed key, which CloudWatch may use.

    CloudWatch cannot publish to a topic encrypted with the AWS-managed ``aws/sns`` key,
    hence the customer-managed key and its CloudWatch grant. EventBridge rules (rotation
    failures) publish too: the key policy allows both services, and the topic policy
    admits their publications from this account only.
    """

    topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, settings: NotificationSettings, platform: Platform, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("iam-platform:notifications:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = customer_managed_key(
            f"{name}-key", "alarm notifications", platform, self, statements=_publisher_key_grants(platform)
        )
        topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id=key.arn, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=iam.policy_document(_topic_policy(platform, topic.arn)),
            opts=child,
        )
        if settings.email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=topic.arn, protocol="email", endpoint=settings.email, opts=child
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topicArn": self.topic_arn})


def _publisher_key_grants(platform: Platform) -> list[iam.Statement]:
    return [
        iam.resource_grant(
            {"Service": ["cloudwatch.amazonaws.com"]},
            ["kms:Decrypt", "kms:GenerateDataKey*"],
            ["*"],
            conditions={"StringEquals": {"aws:SourceAccount": platform.account_id}},
            sid="CloudWatchAlarmsPublishToTopic",
        ),
        # No source condition here: the KMS request SNS makes for an EventBridge delivery is
        # not documented to carry aws:SourceAccount, and a condition that fails drops events
        # silently. The topic policy below keeps EventBridge to this account's rules.
        iam.resource_grant(
            {"Service": ["events.amazonaws.com"]},
            ["kms:Decrypt", "kms:GenerateDataKey*"],
            ["*"],
            sid="EventBridgeRulesPublishToTopic",
        ),
    ]


def _topic_policy(platform: Platform, topic_arn: pulumi.Output[str]) -> list[iam.Statement]:
    """Replaces SNS's default policy: the account manages the topic, and only CloudWatch
    alarms and EventBridge rules of this account publish to it."""
    return [
        iam.resource_grant(
            {"AWS": [platform.root_principal()]},
            [
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
            ],
            [topic_arn],
            sid="AccountManagesTopic",
        ),
        iam.resource_grant(
            {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            ["sns:Publish"],
            [topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": platform.account_id}},
            sid="AlarmsAndRulesOfThisAccountPublish",
        ),
    ]
