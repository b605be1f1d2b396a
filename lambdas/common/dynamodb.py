"""DynamoDB calls that fail closed (every failure raises ``StoreError``), and conditional
writes that recognise their own effect after a lost reply.

botocore retries a write whose reply was lost. A conditional write that DynamoDB had
applied then fails its own condition on the retry, so ``ConditionalCheckFailedException``
alone cannot tell "someone else changed the item" from "our first attempt worked". Every
conditional write here stores a fresh ``write_token`` in the item; on a failed condition a
consistent read decides: our token means our write was applied.
"""

from __future__ import annotations

import secrets
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common.errors import PlatformError, aws_error_code

CONDITION_FAILED = "ConditionalCheckFailedException"
WRITE_TOKEN = "write_token"


class StoreError(PlatformError):
    """DynamoDB did not confirm the operation; ``code`` is the AWS error code (or ours)."""

    def __init__(self, message: str, code: str = "STORE_ERROR") -> None:
        super().__init__(code, message)


class ConditionFailed(StoreError):
    """The item was not in the state the operation requires; ``item`` is what a consistent
    read found afterwards (None when there is no such item or it was not read)."""

    def __init__(self, operation: str, item: dict[str, Any] | None = None) -> None:
        super().__init__(operation, CONDITION_FAILED)
        self.item = item


def call(client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
    """``client.<operation>(**kwargs)``; ``ConditionFailed`` when its condition did not hold."""
    try:
        return getattr(client, operation)(**kwargs)
    except (ClientError, BotoCoreError) as error:
        code = aws_error_code(error)
        if code == CONDITION_FAILED:
            raise ConditionFailed(operation) from None
        raise StoreError(f"{operation}: {code}", code) from None


def new_write_token() -> str:
    return secrets.token_hex(8)


def put_once(
    client: Any, table: str, key: dict[str, Any], item: dict[str, Any], condition: str, token: str | None = None
) -> None:
    """Put ``item`` under ``condition``; a retry of our own applied put counts as success."""
    token = token or new_write_token()
    try:
        call(
            client, "put_item", TableName=table, Item={**item, WRITE_TOKEN: {"S": token}}, ConditionExpression=condition
        )
    except ConditionFailed as failed:
        _unless_ours(client, table, key, token, failed)


def update_once(
    client: Any,
    table: str,
    key: dict[str, Any],
    set_expression: str,
    condition: str,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    token: str | None = None,
) -> None:
    """``UpdateItem`` with ``SET <set_expression>`` under ``condition``, recognising a retry of
    our own applied update as success. ``ConditionFailed.item`` holds what is there instead."""
    token = token or new_write_token()
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": key,
        "ConditionExpression": condition,
        "UpdateExpression": f"SET {set_expression}, {WRITE_TOKEN} = :write_token",
        "ExpressionAttributeValues": {**(values or {}), ":write_token": {"S": token}},
    }
    if names:
        kwargs["ExpressionAttributeNames"] = names
    try:
        call(client, "update_item", **kwargs)
    except ConditionFailed as failed:
        _unless_ours(client, table, key, token, failed)


def _unless_ours(client: Any, table: str, key: dict[str, Any], token: str, failed: ConditionFailed) -> None:
    item = call(client, "get_item", TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is not None and item.get(WRITE_TOKEN, {}).get("S") == token:
        return
    raise ConditionFailed(str(failed), item) from None
