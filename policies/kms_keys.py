"""Which KMS key a resource names for encryption at rest: none, an AWS managed one, or a customer-managed one."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from policies.props import is_set, known_or_none


class KeyKind(Enum):
    NONE = "none"
    AWS_MANAGED = "aws-managed"
    CUSTOMER_MANAGED = "customer-managed"


def is_aws_managed_key(key: str, service: str) -> bool:
    """``alias/aws/<service>`` as the alias or as an alias ARN (``arn:aws:kms:...:alias/aws/<service>``)."""
    alias = f"alias/aws/{service}"
    return key == alias or key.endswith(f":{alias}")


def key_kind(props: Mapping[str, Any], key_property: str, service: str) -> KeyKind:
    """A value known only after deployment is a key of the stack (an ``aws.kms.Key``'s ARN): customer-managed."""
    if not is_set(props, key_property):
        return KeyKind.NONE
    key = known_or_none(props, key_property)
    if isinstance(key, str) and is_aws_managed_key(key.strip(), service):
        return KeyKind.AWS_MANAGED
    return KeyKind.CUSTOMER_MANAGED
