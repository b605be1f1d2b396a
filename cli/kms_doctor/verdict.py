"""One verdict from the evidence: a pure function, so every branch is tested without AWS.

KMS lets the role decrypt through the key policy, the IAM policies the key policy delegates
to, or a grant (Lambda's own grant for the function, ``grants.py``). Order matters; the first
rule that applies wins:

1. no customer-managed key in use: ``ok`` if the function is healthy, else ``unknown``;
2. the function is Pending or its last update is InProgress: ``propagating``;
3. the execution role no longer exists: ``unknown`` (nothing to renew a grant for);
4. the key policy or the role's policies deny kms:Decrypt: ``missing-permission`` (a Deny
   beats any grant);
5. the grants could not be listed: ``unknown``;
6. no policy allows kms:Decrypt and no grant names the role, now or in an earlier
   incarnation: ``missing-permission``;
7. no grant lets the role's current incarnation decrypt for this function: ``stale-grant``
   (a grant created before the role's CreateDate, or naming another principal for this
   function, was made for an earlier role of the same name; with policies that allow
   kms:Decrypt, no grant at all is stale too);
8. the newest current grant is younger than ``PROPAGATION_WINDOW``: ``propagating``;
9. the function is failing anyway: ``unknown``; otherwise ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cli.kms_doctor.evidence import Evidence, GrantFacts
from cli.kms_doctor.grants import GrantReading, classify_grants, read_grants  # noqa: F401 (classify_grants: API)
from cli.kms_doctor.permissions import check_decrypt

OK, STALE_GRANT, MISSING_PERMISSION, PROPAGATING, UNKNOWN = (
    "ok",
    "stale-grant",
    "missing-permission",
    "propagating",
    "unknown",
)
VERDICTS = (OK, STALE_GRANT, MISSING_PERMISSION, PROPAGATING, UNKNOWN)
PROPAGATION_WINDOW = timedelta(minutes=5)
# Lambda's state reason codes that point at KMS or at pulling an encrypted image.
KMS_REASON_CODES = frozenset(
    {
        "KMSKeyAccessDenied",
        "KMSKeyNotFound",
        "KMSKeyInvalidState",
        "KMSAccessDeniedException",
        "ImageAccessDenied",
        "InvalidSecurityToken",
        "UnrecognizedClientException",
    }
)


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
        facts.append("no customer-managed KMS key: environment uses Lambda's own key, and no KMS-encrypted ECR image")
        if healthy:
            return Verdict(OK, "the function uses no customer-managed KMS key and is healthy", tuple(facts))
        return Verdict(UNKNOWN, "the function is not healthy, and not because of a KMS key", tuple(facts))
    facts.append(
        f"KMS key: {key.arn} (from the {key.source.replace('-', ' ')}"
        + (f" {key.repository})" if key.repository else ")")
    )
    if function.state == "Pending" or function.last_update_status == "InProgress":
        return Verdict(
            PROPAGATING, "the function is still being created or updated; diagnose again shortly", tuple(facts)
        )
    if not role.exists:
        facts.append(f"execution role {role.arn} no longer exists")
        return Verdict(UNKNOWN, "the execution role is gone: recreate it (pulumi up) before any repair", tuple(facts))
    facts.append(f"execution role: {role.arn}, RoleId {role.role_id}, created {_when(role.create_date)}")
    decrypt = check_decrypt(key.arn, key.policy, role.arn, role.role_id, evidence.account, role.policies)
    facts.extend(decrypt.reasons)
    if decrypt.denied:
        return Verdict(
            MISSING_PERMISSION,
            "an explicit Deny keeps the role from decrypting with the key; no grant can override it",
            tuple(facts),
        )
    if not evidence.grants_listed:
        return Verdict(UNKNOWN, "the key's grants could not be listed (kms:ListGrants)", tuple(facts))
    grants = read_grants(evidence)
    facts.extend(_grant_facts(grants))
    current, stale = grants.current, grants.stale
    by_grant_only = decrypt.allowed is False
    if by_grant_only and not current and not stale:
        return Verdict(
            MISSING_PERMISSION,
            "neither a policy nor a grant for this role allows kms:Decrypt on the key; a role swap would not help",
            tuple(facts),
        )
    if not current:
        summary = (
            "the role was recreated after Lambda's grant was made: the grants point at another principal"
            if stale
            else "no grant on the key for the function's role"
        )
        if by_grant_only:
            summary += "; no policy allows kms:Decrypt, so the function depends on that grant"
        return Verdict(STALE_GRANT, summary, tuple(facts), stale_grants=stale)
    newest = max((g.creation_date for g in current if g.creation_date), default=None)
    if newest is not None and now - newest < PROPAGATION_WINDOW:
        return Verdict(
            PROPAGATING,
            f"the role's grant is {int((now - newest).total_seconds())} s old; "
            f"new grants can take up to {int(PROPAGATION_WINDOW.total_seconds() // 60)} minutes "
            "to be usable",
            tuple(facts),
            stale_grants=stale,
            current_grants=current,
        )
    if not healthy:
        return Verdict(
            UNKNOWN,
            "the function is failing although its role has a current grant and may decrypt",
            tuple(facts),
            stale_grants=stale,
            current_grants=current,
        )
    summary = (
        "the function's role decrypts through its current grant (no policy allows kms:Decrypt)"
        if by_grant_only
        else "the function's role has a current grant and may decrypt"
    )
    if stale:
        summary += f"; {len(stale)} leftover stale grant(s) could be retired"
    return Verdict(OK, summary, tuple(facts), stale_grants=stale, current_grants=current)


def _grant_facts(grants: GrantReading) -> list[str]:
    facts = [f"grant {g.grant_id} for the current role, created {_when(g.creation_date)}" for g in grants.current]
    facts += [
        f"stale grant {g.grant_id} (grantee {g.grantee}, created {_when(g.creation_date)})"
        " was made for an earlier role of the same name"
        for g in grants.stale
    ]
    facts += [
        f"grant {g.grant_id} names the role but does not allow Decrypt for this function "
        f"(operations {', '.join(g.operations) or '-'}, constraints {g.constraints or '-'}); not counted"
        for g in grants.other
    ]
    return facts


def _function_facts(evidence: Evidence) -> list[str]:
    f = evidence.function
    facts = [
        f"function: {f.arn} ({f.package_type})",
        f"State {f.state or '-'}"
        + (f", StateReasonCode {f.state_reason_code}" if f.state_reason_code else "")
        + (f" ({f.state_reason})" if f.state_reason else ""),
        f"LastUpdateStatus {f.last_update_status or '-'}"
        + (f", LastUpdateStatusReasonCode {f.last_update_reason_code}" if f.last_update_reason_code else "")
        + (f" ({f.last_update_reason})" if f.last_update_reason else ""),
    ]
    codes = {code for code in (f.state_reason_code, f.last_update_reason_code) if code} & KMS_REASON_CODES
    if codes:
        facts.append(f"Lambda reports a KMS problem: {', '.join(sorted(codes))}")
    return facts


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "at an unknown time"
