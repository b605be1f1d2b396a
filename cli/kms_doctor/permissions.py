"""May a role use kms:Decrypt on a key? A small, conservative reading of two documents.

The key policy decides first: it names the role (or ``*``), or it delegates to the
account (``arn:aws:iam::<account>:root``), in which case the role's own policies must
allow the action. An explicit Deny in either wins, over a grant too (``denied``). Grants are
the third way in; ``grants.py`` reads them. Conditions are not evaluated: a conditional
Allow counts as an Allow, and the evidence says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

DECRYPT = "kms:Decrypt"


@dataclass(frozen=True)
class DecryptCheck:
    allowed: bool | None  # None: could not tell (key policy unreadable)
    reasons: tuple[str, ...]
    denied: bool = False  # an explicit Deny: no grant can allow it either


def check_decrypt(
    key_arn: str,
    key_policy: Mapping[str, Any] | None,
    role_arn: str,
    role_id: str | None,
    account: str,
    role_policies: Sequence[Mapping[str, Any]],
) -> DecryptCheck:
    if key_policy is None:
        return DecryptCheck(None, ("the key policy could not be read",))
    names_role = {role_arn, role_id, "*"} - {None}
    names_account = {f"arn:aws:iam::{account}:root", account}
    key_statements = [s for s in _statements(key_policy) if _action_matches(s, DECRYPT)]
    if any(s.get("Effect") == "Deny" and _principals(s) & (names_role | names_account) for s in key_statements):
        return DecryptCheck(False, ("the key policy denies kms:Decrypt to the role",), denied=True)
    allows = [s for s in key_statements if s.get("Effect") == "Allow"]
    direct = [s for s in allows if _principals(s) & names_role]
    delegated = [s for s in allows if _principals(s) & names_account]
    identity = [
        s
        for d in role_policies
        for s in _statements(d)
        if _action_matches(s, DECRYPT) and _resource_matches(s, key_arn)
    ]
    if any(s.get("Effect") == "Deny" for s in identity):
        return DecryptCheck(False, ("the role's policies deny kms:Decrypt on the key",), denied=True)
    role_allows = any(s.get("Effect") == "Allow" for s in identity)
    conditional = any("Condition" in s for s in direct + delegated + identity)
    suffix = (" (with conditions, not evaluated)",) if conditional else ()
    if direct:
        return DecryptCheck(True, ("the key policy allows kms:Decrypt to the role",) + suffix)
    if not delegated:
        return DecryptCheck(
            False, ("the key policy neither names the role nor delegates kms:Decrypt to the account's IAM policies",)
        )
    if not role_allows:
        return DecryptCheck(
            False, ("the key policy delegates to IAM, but no policy of the role allows kms:Decrypt on the key",)
        )
    return DecryptCheck(True, ("the key policy delegates to IAM and the role allows kms:Decrypt on the key",) + suffix)


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(fnmatchcase(action.lower(), a.lower()) for a in _listed(statement["NotAction"]))
    return any(fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get("Action")))


def _resource_matches(statement: Mapping[str, Any], arn: str) -> bool:
    if "NotResource" in statement:
        return not any(fnmatchcase(arn, r) for r in _listed(statement["NotResource"]))
    return any(fnmatchcase(arn, r) for r in _listed(statement.get("Resource")))


def _principals(statement: Mapping[str, Any]) -> set[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return {"*"}
    if isinstance(principal, Mapping):
        return set(_flatten(_listed(principal.get("AWS"))))
    return set()


def _flatten(values: Iterable[str]) -> Iterable[str]:
    return (v.strip() for v in values)
