import json

from tests.support.harness import one, policy_of, run_stack


def test_every_aws_resource_uses_the_tagged_provider():
    run = run_stack("staging")
    provider = one(run, "pulumi:providers:aws", "aws")
    assert provider["inputs"]["region"] == "eu-west-1"
    # Provider inputs travel as JSON strings, as in a real stack.
    assert json.loads(provider["inputs"]["defaultTags"])["tags"]["environment"] == "staging"
    aws_resources = [r for r in run.records if r["custom"] and r["type"].startswith("aws:")]
    assert aws_resources and all(r["provider"].startswith(provider["urn"]) for r in aws_resources)


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use():
    run = run_stack("dev", {"iam-platform:notifications": {"email": "ops@example.com"}})
    key = one(run, "aws:kms/key:Key", "alarms-key")
    assert one(run, "aws:sns/topic:Topic", "alarms-topic")["inputs"]["kmsMasterKeyId"] == key["outputs"]["arn"]
    assert key["inputs"]["enableKeyRotation"] is True
    cloudwatch = [
        s
        for s in policy_of(key, "policy")["Statement"]
        if s["Principal"].get("Service") == ["cloudwatch.amazonaws.com"]
    ]
    assert cloudwatch == [
        {
            "Sid": "CloudWatchAlarmsPublishToTopic",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": ["*"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]
    subscription = one(run, "aws:sns/topicSubscription:TopicSubscription", "alarms-email")["inputs"]
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "ops@example.com")


def test_no_subscription_without_an_address():
    assert run_stack("dev").of_type("aws:sns/topicSubscription:TopicSubscription") == []
