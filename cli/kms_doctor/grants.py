"""Which of a key's grants serve a function's execution role, and which are left over.

What Lambda's own grant looks like in ListGrants (observed output in
whatsfordinner/aws-lambda-grant-shenanigans, README.md, commit dcb0a64b220260330c923e07e0c851cf6cfab0fc):
``Name`` is the function name, ``GranteePrincipal`` (and ``RetiringPrincipal``) the role's session
``arn:aws:sts::<account>:assumed-role/<role name>/<function name>``, ``Operations``
``[Decrypt, RetireGrant]``, ``Constraints.EncryptionContextEquals``
``{"aws:lambda:FunctionArn": <function ARN>}``. KMS keeps the principal by the role's unique id:
once that role is deleted, the same grant lists as ``<old RoleId>:<function name>``, and a role
recreated under the same name is not its grantee. A role created seconds ago may also list as
its bare RoleId (aws/aws-sdk-go#1718).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cli.kms_doctor.evidence import Evidence, GrantFacts, RoleFacts

FUNCTION_ARN_CONTEXT = "aws:lambda:FunctionArn"
# A role's unique id (AROA...), alone or with the session name KMS shows after it.
_ROLE_UNIQUE_ID = re.compile(r"^AROA[A-Z0-9]{12,}(:[\w+=,.@-]+)?$")


@dataclass(frozen=True)
class GrantReading:
    current: tuple[GrantFacts, ...]  # let the role as it is now decrypt for this function
    stale: tuple[GrantFacts, ...]  # proven to belong to an earlier incarnation of the role
    other: tuple[GrantFacts, ...]  # name the role, but not Decrypt for this function


def read_grants(evidence: Evidence) -> GrantReading:
    role, function = evidence.role, evidence.function
    current: list[GrantFacts] = []
    stale: list[GrantFacts] = []
    other: list[GrantFacts] = []
    for grant in evidence.grants:
        if _names_role(grant.grantee, role):
            made_before = (
                grant.creation_date is not None
                and role.create_date is not None
                and grant.creation_date < role.create_date
            )
            if made_before:
                stale.append(grant)
            else:
                (current if allows_function_decrypt(grant, function.arn) else other).append(grant)
        elif _names_function(grant, function.arn, function.name) and _ROLE_UNIQUE_ID.match(grant.grantee):
            # A unique id that is not the role's own: an earlier role this function used.
            stale.append(grant)
    return GrantReading(tuple(current), tuple(stale), tuple(other))


def classify_grants(evidence: Evidence) -> tuple[tuple[GrantFacts, ...], tuple[GrantFacts, ...]]:
    """(current grants, stale grants): see ``GrantReading``."""
    reading = read_grants(evidence)
    return reading.current, reading.stale


def allows_function_decrypt(grant: GrantFacts, function_arn: str) -> bool:
    """Does the grant allow Decrypt with the encryption context Lambda uses for this function?

    In grant constraints the context keys are case-insensitive and the values case-sensitive."""
    if "Decrypt" not in grant.operations:
        return False
    context = {FUNCTION_ARN_CONTEXT.lower(): function_arn}
    equals = grant.constraints.get("EncryptionContextEquals")
    subset = grant.constraints.get("EncryptionContextSubset")
    if equals is not None and _lowered(equals) != context:
        return False
    return subset is None or _lowered(subset).items() <= context.items()


def _names_role(grantee: str, role: RoleFacts) -> bool:
    _, partition, _, _, account = role.arn.split(":")[:5]
    if grantee == role.arn or grantee.startswith(f"arn:{partition}:sts::{account}:assumed-role/{role.name}/"):
        return True
    return role.role_id is not None and (grantee == role.role_id or grantee.startswith(role.role_id + ":"))


def _names_function(grant: GrantFacts, arn: str, name: str) -> bool:
    context = {
        **_lowered(grant.constraints.get("EncryptionContextEquals", {})),
        **_lowered(grant.constraints.get("EncryptionContextSubset", {})),
    }
    return context.get(FUNCTION_ARN_CONTEXT.lower()) == arn or grant.name in (arn, name)


def _lowered(context: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in context.items()}
