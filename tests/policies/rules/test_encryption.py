"""Tests of policies/rules/encryption.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.encryption import LOG_GROUP_ENCRYPTED_WITH_KMS, SNS_TOPIC_ENCRYPTED, SQS_QUEUE_ENCRYPTED
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import KEY_ARN, LOG_GROUP, QUEUE, TOPIC

CMK = {"requireCustomerManagedKey": True}


def test_a_queue_that_turns_sse_off_without_a_key_stores_messages_unencrypted():
    queue = resource(QUEUE, "jobs", {"sqsManagedSseEnabled": False})
    violation = assert_violates(run_policy(SQS_QUEUE_ENCRYPTED, queue), "sqs-queue-encrypted", level="mandatory")
    assert "remove sqs_managed_sse_enabled=False" in violation.message


@pytest.mark.parametrize(
    "props",
    [
        {},  # SSE-SQS, the default since October 2022
        {"sqsManagedSseEnabled": True},
        {"kmsMasterKeyId": "alias/aws/sqs"},
        {"kmsMasterKeyId": KEY_ARN},
        {"kmsMasterKeyId": KEY_ARN, "sqsManagedSseEnabled": False},
        {"kmsMasterKeyId": UNKNOWN},
    ],
)
def test_an_encrypted_queue_passes(props):
    assert_passes(run_policy(SQS_QUEUE_ENCRYPTED, resource(QUEUE, "jobs", props)))


@pytest.mark.parametrize(
    "props, used",
    [
        ({}, "no KMS key"),
        ({"sqsManagedSseEnabled": True}, "no KMS key"),
        ({"kmsMasterKeyId": "alias/aws/sqs"}, "the AWS managed key aws/sqs"),
    ],
)
def test_require_customer_managed_key_refuses_sse_sqs_and_the_managed_key(props, used):
    violation = assert_violates(
        run_policy(SQS_QUEUE_ENCRYPTED, resource(QUEUE, "jobs", props), CMK), "sqs-queue-encrypted"
    )
    assert used in violation.message and "exemptions" in violation.message
    assert_passes(run_policy(SQS_QUEUE_ENCRYPTED, resource(QUEUE, "jobs", {"kmsMasterKeyId": KEY_ARN}), CMK))


def test_an_exempt_queue_passes():
    exempt = {**CMK, "exemptions": [{"name": "jobs", "reason": "public data only"}]}
    assert_passes(run_policy(SQS_QUEUE_ENCRYPTED, resource(QUEUE, "jobs", {"sqsManagedSseEnabled": False}), exempt))


def test_a_topic_without_a_key_is_advisory_and_says_alarm_topics_need_a_cmk():
    violation = assert_violates(
        run_policy(SNS_TOPIC_ENCRYPTED, resource(TOPIC, "alarms", {"name": "alarms"})),
        "sns-topic-encrypted",
        level="advisory",
    )
    assert "aws/sns cannot" in violation.message


def test_a_topic_on_the_managed_key_passes_unless_a_cmk_is_required():
    topic = resource(TOPIC, "events", {"kmsMasterKeyId": "alias/aws/sns"})
    assert_passes(run_policy(SNS_TOPIC_ENCRYPTED, topic))
    assert_violates(run_policy(SNS_TOPIC_ENCRYPTED, topic, CMK), "sns-topic-encrypted", contains="aws/sns")
    assert_passes(run_policy(SNS_TOPIC_ENCRYPTED, resource(TOPIC, "events", {"kmsMasterKeyId": KEY_ARN}), CMK))


def test_a_log_group_needs_a_kms_key():
    violation = assert_violates(
        run_policy(LOG_GROUP_ENCRYPTED_WITH_KMS, resource(LOG_GROUP, "app-logs", {})),
        "log-group-encrypted-with-kms",
        level="advisory",
    )
    assert "logs.<region>.amazonaws.com" in violation.message
    for key in (KEY_ARN, UNKNOWN):
        assert_passes(run_policy(LOG_GROUP_ENCRYPTED_WITH_KMS, resource(LOG_GROUP, "app-logs", {"kmsKeyId": key})))
    exempt = {"exemptions": [{"name": "app-logs", "reason": "no personal data"}]}
    assert_passes(run_policy(LOG_GROUP_ENCRYPTED_WITH_KMS, resource(LOG_GROUP, "app-logs", {}), exempt))
