"""Tests of policies/kms_keys.py."""

import pytest

from policies.kms_keys import KeyKind, is_aws_managed_key, key_kind
from policies.testing import UNKNOWN, resource, resource_args
from tests.policies.rules.samples import KEY_ARN, QUEUE


@pytest.mark.parametrize(
    "key, kind",
    [
        (None, KeyKind.NONE),
        ("", KeyKind.NONE),
        ("alias/aws/sqs", KeyKind.AWS_MANAGED),
        ("arn:aws:kms:eu-west-1:123456789012:alias/aws/sqs", KeyKind.AWS_MANAGED),
        (KEY_ARN, KeyKind.CUSTOMER_MANAGED),
        ("alias/app", KeyKind.CUSTOMER_MANAGED),
        (UNKNOWN, KeyKind.CUSTOMER_MANAGED),
        ("alias/aws/sns", KeyKind.CUSTOMER_MANAGED),  # another service's managed key is not this one's
    ],
)
def test_key_kind(key, kind):
    args = resource_args(resource(QUEUE, "q", {} if key is None else {"kmsMasterKeyId": key}))
    assert key_kind(args.props, "kmsMasterKeyId", "sqs") is kind


def test_an_aws_managed_alias_arn_of_another_service_is_not_managed_here():
    assert not is_aws_managed_key("arn:aws:kms:eu-west-1:1:alias/aws/sqs-like", "sqs")
