"""One verdict from the evidence: a pure function, so every branch is tested without AWS.

Order matters; the first rule that applies wins:

1. no customer-managed key in use: ``ok`` if the function is healthy, else ``unknown``;
2. the function is Pending or its last update is InProgress: ``propagating``;
3. the execution role no longer exists: ``unknown`` (nothing to renew a grant for);
4. the key policy or the role's policies do not allow kms:Decrypt: ``missing-permission``;
5. the grants could not be listed: ``unknown``; no grant on the key for the role's current incarnation: ``stale-grant`` (a grant created
   before the role's CreateDate, or naming another principal for this function, was made
   for an earlier role of the same name; no grant at all is stale too);
6. the newest current grant is younger than ``PROPAGATION_WINDOW``: ``propagating``;
7. the function is failing anyway: ``unknown``; otherwise ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from cli.kms_doctor.evidence import Evidence, GrantFacts
from cli.kms_doctor.permissions import check_decrypt

OK, STALE_GRANT, MISSING_PERMISSION, PROPAGATING, UNKNOWN = (
    "ok", "stale-grant", "missing-permission", "propagating", "unknown")
VERDICTS = (OK, STALE_GRANT, MISSING_PERMISSION, PROPAGATING, UNKNOWN)
PROPAGATION_WINDOW = timedelta(minutes=5)
# Lambda's state reason codes that point at KMS or at pulling an encrypted image.
KMS_REASON_CODES = frozenset({
    "KMSKeyAccessDenied", "KMSKeyNotFound", "KMSKeyInvalidState", "KMSAccessDeniedException",
    "ImageAccessDenied", "InvalidSecurityToken", "UnrecognizedClientException"})


@dataclass(frozen=True)
class Verdict:
    name: str
    summary: str
    evidence: tuple[str, ...]
    stale_grants: tuple[GrantFacts, ...] = ()
    current_grants: tuple[GrantFacts, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def diagnose(evidence: Evidence, now: datetime) -> Verdict:
    function, role, key = evidence.function, evidence.role, evidence.key
    facts = _function_facts(evidence) + [f"note: {note}" for note in evidence.notes]
    healthy = function.state in (None, "Active") and function.last_update_status in (None, "Successful")
    if key is None:
        facts.append("no customer-managed KMS key: environment uses Lambda's own key, "
                     "and no KMS-encrypted ECR image")
        if healthy:
            return Verdict(OK, "the function uses no customer-managed KMS key and is healthy", tuple(facts))
        return Verdict(UNKNOWN, "the function is not healthy, and not because of a KMS key", tuple(facts))
    facts.append(f"KMS key: {key.arn} (from the {key.source.replace('-', ' ')}"
                 + (f" {key.repository})" if key.repository else ")"))
    if function.state == "Pending" or function.last_update_status == "InProgress":
        return Verdict(PROPAGATING, "the function is still being created or updated; diagnose again shortly",
                       tuple(facts))
    if not role.exists:
        facts.append(f"execution role {role.arn} no longer exists")
        return Verdict(UNKNOWN, "the execution role is gone: recreate it (pulumi up) before any repair",
                       tuple(facts))
    facts.append(f"execution role: {role.arn}, RoleId {role.role_id}, created {_when(role.create_date)}")
    decrypt = check_decrypt(key.arn, key.policy, role.arn, role.role_id, evidence.account, role.policies)
    facts.extend(decrypt.reasons)
    if decrypt.allowed is False:
        return Verdict(MISSING_PERMISSION, "the role may not decrypt with the key; a new grant would not help",
                       tuple(facts))
    if not evidence.grants_listed:
        return Verdict(UNKNOWN, "the key's grants could not be listed (kms:ListGrants)", tuple(facts))
    current, stale = classify_grants(evidence)
    for grant in current:
        facts.append(f"grant {grant.grant_id} for the current role, created {_when(grant.creation_date)}")
    for grant in stale:
        facts.append(f"stale grant {grant.grant_id} (grantee {grant.grantee}, created {_when(grant.creation_date)})"
                     " was made for an earlier role of the same name")
    if not current:
        summary = ("the role was recreated after Lambda's grant was made: the grants point at another principal"
                   if stale else "no grant on the key for the function's role")
        return Verdict(STALE_GRANT, summary, tuple(facts), stale_grants=stale)
    newest = max((g.creation_date for g in current if g.creation_date), default=None)
    if newest is not None and now - newest < PROPAGATION_WINDOW:
        return Verdict(PROPAGATING, f"the role's grant is {int((now - newest).total_seconds())} s old; "
                       f"new grants can take up to {int(PROPAGATION_WINDOW.total_seconds() // 60)} minutes "
                       "to be usable", tuple(facts), stale_grants=stale, current_grants=current)
    if not healthy:
        return Verdict(UNKNOWN, "the function is failing although its role has a current grant and may decrypt",
                       tuple(facts), stale_grants=stale, current_grants=current)
    summary = "the function's role has a current grant and may decrypt"
    if stale:
        summary += f"; {len(stale)} leftover stale grant(s) could be retired"
    return Verdict(OK, summary, tuple(facts), stale_grants=stale, current_grants=current)


def classify_grants(evidence: Evidence) -> tuple[tuple[GrantFacts, ...], tuple[GrantFacts, ...]]:
    """(grants for the role as it is now, grants proven to belong to an earlier incarnation)."""
    role, function = evidence.role, evidence.function
    current: list[GrantFacts] = []
    stale: list[GrantFacts] = []
    for grant in evidence.grants:
        if grant.grantee in (role.arn, role.role_id):
            made_before = (grant.creation_date is not None and role.create_date is not None
                           and grant.creation_date < role.create_date)
            (stale if made_before else current).append(grant)
        elif _names_function(grant, function.arn, function.name) and _is_unique_id(grant.grantee):
            # KMS shows a deleted principal by its unique ID: an earlier role of this function.
            stale.append(grant)
    return tuple(current), tuple(stale)


def _names_function(grant: GrantFacts, arn: str, name: str) -> bool:
    context = {**grant.constraints.get("EncryptionContextEquals", {}),
               **grant.constraints.get("EncryptionContextSubset", {})}
    return arn in context.values() or (grant.name is not None and (arn in grant.name or name == grant.name))


def _is_unique_id(principal: str) -> bool:
    return principal.startswith("AROA") and ":" not in principal


def _function_facts(evidence: Evidence) -> list[str]:
    f = evidence.function
    facts = [f"function: {f.arn} ({f.package_type})",
             f"State {f.state or '-'}" + (f", StateReasonCode {f.state_reason_code}" if f.state_reason_code else "")
             + (f" ({f.state_reason})" if f.state_reason else ""),
             f"LastUpdateStatus {f.last_update_status or '-'}"
             + (f", LastUpdateStatusReasonCode {f.last_update_reason_code}" if f.last_update_reason_code else "")
             + (f" ({f.last_update_reason})" if f.last_update_reason else "")]
    codes = {f.state_reason_code, f.last_update_reason_code} & KMS_REASON_CODES
    if codes:
        facts.append(f"Lambda reports a KMS problem: {', '.join(sorted(codes))}")
    return facts


def _when(moment: Optional[datetime]) -> str:
    return moment.isoformat(timespec="seconds") if moment else "at an unknown time"
