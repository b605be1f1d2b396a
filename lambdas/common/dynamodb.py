"""DynamoDB calls that fail closed: every failure raises ``StoreError``."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import aws_error_code

CONDITION_FAILED = "ConditionalCheckFailedException"


class StoreError(Exception):
    """DynamoDB did not confirm the operation."""


class ConditionFailed(StoreError):
    """The item was not in the state the operation requires."""


def call(client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
    """``client.<operation>(**kwargs)``; ``ConditionFailed`` when its condition did not hold."""
    try:
        return getattr(client, operation)(**kwargs)
    except (ClientError, BotoCoreError) as error:
        code = aws_error_code(error)
        if code == CONDITION_FAILED:
            raise ConditionFailed(operation) from None
        raise StoreError(f"{operation}: {code}") from None
