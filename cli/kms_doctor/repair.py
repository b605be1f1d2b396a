"""Renew Lambda's KMS grant the way AWS documents: point the function at another role and back.

Changing a function's execution role makes Lambda create a new grant for the role it
points at. ``execute`` creates a temporary role trusted by Lambda only, switches the
function to it and back (waiting for LastUpdateStatus Successful each time, bounded, with
progress), optionally invokes a health payload, retires the grants the diagnosis proved
stale, and deletes the temporary role whatever happens.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cli.kms_doctor.evidence import Evidence, GrantFacts
from components import iam_documents

TEMP_ROLE_PREFIX = "kms-renew-"
PURPOSE_TAG = {"Key": "iam-platform:purpose", "Value": "lambda-kms-grant-renewal"}
Out = Callable[[str], None]


class RepairError(Exception):
    """A step failed; the message says which, and what state the function is in."""


@dataclass(frozen=True)
class Waits:
    timeout_seconds: float = 180.0
    interval_seconds: float = 3.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Plan:
    function_name: str
    original_role_arn: str
    temp_role_name: str
    key_arn: str
    stale_grants: tuple[GrantFacts, ...]
    health_payload: str | None = None

    def steps(self) -> list[str]:
        steps = [
            f"create temporary role {self.temp_role_name}, trusted by lambda.amazonaws.com only, no permissions",
            f"point {self.function_name} at it and wait for LastUpdateStatus Successful "
            "(invocations meanwhile run without permissions)",
            f"point {self.function_name} back at {self.original_role_arn} and wait again: "
            "Lambda creates a fresh grant for the role as it is now",
        ]
        if self.health_payload is not None:
            steps.append(f"invoke {self.function_name} with the health payload and report the result")
        steps.extend(
            f"retire stale grant {g.grant_id} on {self.key_arn} (grantee {g.grantee})" for g in self.stale_grants
        )
        steps.append(f"delete {self.temp_role_name} (also if any step fails)")
        return steps


def make_plan(evidence: Evidence, stale_grants: tuple[GrantFacts, ...], health_payload: str | None = None) -> Plan:
    assert evidence.key is not None, "a repair needs a KMS key"
    suffix = secrets.token_hex(4)
    base = evidence.function.name[: 64 - len(TEMP_ROLE_PREFIX) - len(suffix) - 1]
    return Plan(
        function_name=evidence.function.name,
        original_role_arn=evidence.function.role_arn,
        temp_role_name=f"{TEMP_ROLE_PREFIX}{base}-{suffix}",
        key_arn=evidence.key.arn,
        stale_grants=stale_grants,
        health_payload=health_payload,
    )


def execute(plan: Plan, session: Any, out: Out, waits: Waits = Waits()) -> None:
    """Run the plan; raises RepairError after cleaning up if a step fails."""
    iam, lam, kms = session.client("iam"), session.client("lambda"), session.client("kms")
    temp_arn: str | None = None
    try:
        out(f"creating temporary role {plan.temp_role_name}")
        temp_arn = iam.create_role(
            RoleName=plan.temp_role_name,
            Tags=[PURPOSE_TAG],
            Description=f"Temporary: renews Lambda's KMS grant for {plan.function_name}; delete if left over",
            AssumeRolePolicyDocument=iam_documents.plain_policy_document(
                [iam_documents.service_trust("lambda.amazonaws.com")]
            ),
        )["Role"]["Arn"]
        _switch_role(lam, plan.function_name, temp_arn, out, waits)
        _switch_role(lam, plan.function_name, plan.original_role_arn, out, waits)
        if plan.health_payload is not None:
            _invoke(lam, plan.function_name, plan.health_payload, out)
        failed = [g.grant_id for g in plan.stale_grants if not _retire(kms, plan.key_arn, g, out)]
        if failed:
            raise RepairError(f"could not retire grant(s) {', '.join(failed)}; the function itself is repaired")
    finally:
        if temp_arn is not None:
            _clean_up(iam, lam, plan, temp_arn, out, waits)


def _switch_role(lam: Any, function: str, role_arn: str, out: Out, waits: Waits) -> None:
    out(f"pointing {function} at {role_arn}")
    start = waits.clock()
    while True:
        try:
            lam.update_function_configuration(FunctionName=function, Role=role_arn)
            break
        except ClientError as error:
            # A role created seconds ago may not be assumable by Lambda yet (IAM propagation).
            message = error.response.get("Error", {}).get("Message", "")
            code = error.response.get("Error", {}).get("Code", "")
            retryable = (
                code == "InvalidParameterValueException" and "cannot be assumed" in message
            ) or code == "ResourceConflictException"
            elapsed = waits.clock() - start
            if not retryable or elapsed >= waits.timeout_seconds:
                raise RepairError(f"could not point {function} at {role_arn}: {code}: {message}") from None
            out(f"  waiting: {code} ({elapsed:.0f}s of {waits.timeout_seconds:.0f}s)")
            waits.sleep(waits.interval_seconds)
    wait_until_updated(lam, function, out, waits)


def wait_until_updated(lam: Any, function: str, out: Out, waits: Waits) -> dict[str, Any]:
    start = waits.clock()
    while True:
        config = lam.get_function_configuration(FunctionName=function)
        status = config.get("LastUpdateStatus")
        if status in (None, "Successful"):
            out(f"  LastUpdateStatus Successful ({waits.clock() - start:.0f}s)")
            return config
        if status == "Failed":
            raise RepairError(
                f"update of {function} failed: {config.get('LastUpdateStatusReasonCode')}: "
                f"{config.get('LastUpdateStatusReason')}"
            )
        elapsed = waits.clock() - start
        if elapsed >= waits.timeout_seconds:
            raise RepairError(f"{function} still {status} after {waits.timeout_seconds:.0f}s")
        out(f"  waiting for LastUpdateStatus Successful: {status} ({elapsed:.0f}s of {waits.timeout_seconds:.0f}s)")
        waits.sleep(waits.interval_seconds)


def _invoke(lam: Any, function_name: str, payload: str, out: Out) -> None:
    response = lam.invoke(FunctionName=function_name, Payload=payload.encode())
    if response.get("FunctionError"):
        raise RepairError(f"health invocation failed: {response['FunctionError']}")
    out(f"health invocation answered {response.get('StatusCode')}")


def _retire(kms: Any, key_arn: str, grant: GrantFacts, out: Out) -> bool:
    try:
        kms.retire_grant(KeyId=key_arn, GrantId=grant.grant_id)
    except ClientError:
        try:
            kms.revoke_grant(KeyId=key_arn, GrantId=grant.grant_id)
        except ClientError as error:
            out(f"could not retire or revoke grant {grant.grant_id}: {error.response['Error'].get('Code')}")
            return False
    out(f"retired stale grant {grant.grant_id}")
    return True


def _clean_up(iam: Any, lam: Any, plan: Plan, temp_arn: str, out: Out, waits: Waits) -> None:
    """Never leave the function on the temporary role, nor the role behind.

    Each half is attempted whatever the other does (AWS refusing, the network failing, a
    wait timing out); what could not be done is printed as a WARNING naming what to fix by hand.
    """
    try:
        _restore_role(lam, plan, temp_arn, out, waits)
    finally:
        try:
            iam.delete_role(RoleName=plan.temp_role_name)
            out(f"deleted temporary role {plan.temp_role_name}")
        except (ClientError, BotoCoreError) as error:
            out(f"WARNING: could not delete temporary role {plan.temp_role_name}: {_reason(error)}; delete it by hand")


def _restore_role(lam: Any, plan: Plan, temp_arn: str, out: Out, waits: Waits) -> None:
    try:
        current: str | None = lam.get_function_configuration(FunctionName=plan.function_name)["Role"]
    except (ClientError, BotoCoreError) as error:
        out(f"could not read {plan.function_name}'s role ({_reason(error)}); restoring it anyway")
        current = None
    if current is not None and current != temp_arn:
        return
    try:
        out(f"restoring {plan.function_name}'s own role")
        _switch_role(lam, plan.function_name, plan.original_role_arn, out, waits)  # retries a conflict
    except (ClientError, BotoCoreError, RepairError) as error:
        out(
            f"WARNING: could not restore {plan.function_name}'s role ({_reason(error)}); "
            f"if it still uses {temp_arn}, set it to {plan.original_role_arn} by hand"
        )


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error.response.get('Error', {}).get('Code')}: {error.response.get('Error', {}).get('Message', '')}"
    return f"{type(error).__name__}: {error}" if isinstance(error, BotoCoreError) else str(error)


def pulumi_hint(evidence: Evidence) -> str | None:
    """The `pulumi up` with the same effect, if the function's tags say Pulumi manages it."""
    tags = evidence.function.tags
    if tags.get("managed-by") != "pulumi" and not any(k.startswith("pulumi") for k in tags):
        return None
    stack = f" --stack {tags['stack']}" if "stack" in tags else ""
    logical = re.sub(r"-[0-9a-f]{7}$", "", evidence.role.name)  # Pulumi's auto-name suffix
    return (
        "this function is managed by Pulumi"
        + (f" (project {tags['project']})" if "project" in tags else "")
        + f": `pulumi up{stack} --replace <URN of its execution role>` has the same effect "
        "(the role is auto-named, so its replacement gets a new ARN and the function is updated, "
        f"which renews the grant); find the URN with `pulumi stack{stack} --show-urns | grep {logical}`"
    )
