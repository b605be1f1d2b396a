"""IAM documents must be valid: parliament (offline, bundled IAM definitions) finds nothing wrong.

Trust policies have no Resource; parliament wants one, so each statement gets ``"Resource": "*"``
before linting and RESOURCE_STAR is ignored for them. Parliament knows nothing of identity
providers: an IAM OIDC/SAML provider ARN as Federated principal, and that provider's own
condition keys (``token.actions.githubusercontent.com:sub``), are not findings. Nor is
``sts:SourceIdentity`` on ``sts:TagSession``: AWS evaluates the trust for TagSession in the same
AssumeRole request, whose context has the SourceIdentity.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies.documents import Document, identity_documents, read_statements, statements_or_report, trust_document
from policies.exemptions import is_exempt
from policies.iam_reference import AWS_REFERENCE_FINDINGS, documents_condition_key, reference_findings
from policies.parliament_loader import load_parliament
from policies.props import plain
from policies.resource_types import DOCUMENT_TYPES, applies_to
from policies.schemas import exemptions_schema, string_list
from policies.settings import policy_settings

CHECKED_FINDINGS = [
    "MALFORMED_JSON",
    "MALFORMED",
    "DUPLICATE_SID",
    "INVALID_SID",
    "INVALID_VERSION",
    "INVALID_ARN",
    "UNKNOWN_ACTION",
    "UNKNOWN_PREFIX",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "UNKNOWN_OPERATOR",
    "UNKNOWN_PRINCIPAL",
    "UNKNOWN_FEDERATION_SOURCE",
    "RESOURCE_MISMATCH",
    "MISMATCHED_TYPE",
    "MISMATCHED_TYPE_OPERATION_TO_NULL",
    "BAD_PATTERN_FOR_MFA",
]

SCHEMA = PolicyConfigSchema(
    properties={
        "findings": string_list(
            CHECKED_FINDINGS,
            "Parliament issue codes that are violations. Left out by default: RESOURCE_STAR and "
            "RESOURCE_EFFECTIVELY_STAR (iam-policy-scoped-resources judges scope), MISMATCHED_TYPE_BUT_USABLE, "
            "NO_VERSION, OLD_VERSION, RESOURCE_POLICY_PRIVILEGE_ESCALATION (resource policies are not linted) "
            "and EXCEPTION (parliament's own errors).",
        ),
        "exemptions": exemptions_schema("Roles and policies"),
    },
)

_PROVIDER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(oidc|saml)-provider/.+")
_UNKNOWN_CONDITION = re.compile(r"Unknown condition (?P<key>\S+) for action (?P<action>\S+)")


@applies_to(*DOCUMENT_TYPES)
def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    documents = list(identity_documents(args.resource_type, args.props))
    trust = trust_document(args.resource_type, args.props)
    if trust is not None:
        documents.append(trust)
    if not documents:
        return
    settings = policy_settings(args, SCHEMA)
    if is_exempt(settings, args):
        return
    checked = set(settings["findings"])
    for document in documents:
        if not _parses(document, args.name, report_violation):
            continue
        for issue, detail in _findings(document):
            if issue in checked:
                report_violation(
                    f'{document.where} of "{args.name}": {detail}; fix the document (see parliament\'s {issue})'
                )


def _parses(document: Document, name: str, report_violation: ReportViolation) -> bool:
    """Parliament lints only documents that parse (it raises on some that do not): this policy reports an
    identity policy that does not, iam-role-trust-no-wildcard a trust policy."""
    if document.kind == "trust":
        return read_statements(document.text) is not None
    return statements_or_report(document.text, f'{document.where} of "{name}"', report_violation) is not None


def _findings(document: Document) -> Iterator[tuple[str, str]]:
    if isinstance(document.text, str):  # findings depend on the document alone: lint each string once
        return iter(_findings_of_string(document.kind, document.text))
    return _lint(document)


@functools.lru_cache(maxsize=4096)
def _findings_of_string(kind: str, text: str) -> tuple[tuple[str, str], ...]:
    return tuple(_lint(Document("", text, kind)))


def _lint(document: Document) -> Iterator[tuple[str, str]]:
    parliament = load_parliament()  # its IAM definitions load on the first call
    prepared = _prepare(document)
    policy = parliament.analyze_policy_string(json.dumps(prepared), ignore_private_auditors=True)
    for finding in policy.findings:
        finding = parliament.enhance_finding(finding)
        if finding.issue in AWS_REFERENCE_FINDINGS or _known_gap(finding, document):
            continue
        yield finding.issue, f"{finding.title}: {_detail(finding.detail)}"
    yield from reference_findings(prepared)


def _prepare(document: Document) -> Any:
    """The document as data (it parses: see ``_parses``), a trust policy's statements given a Resource."""
    data = json.loads(document.text) if isinstance(document.text, str) else plain(document.text)
    if document.kind == "trust" and isinstance(data, dict):
        statements = data.get("Statement")
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and "Resource" not in statement and "NotResource" not in statement:
                statement["Resource"] = "*"
    return data


def _known_gap(finding: Any, document: Document) -> bool:
    issue, detail = finding.issue, finding.detail
    if document.kind == "trust" and issue in ("RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"):
        return True
    if issue == "DUPLICATE_SID":
        return "Statement Id '' " in str(detail)  # an empty Sid is no Sid: IAM accepts many (Terraform writes them)
    if issue == "UNKNOWN_FEDERATION_SOURCE":
        return isinstance(detail, str) and _PROVIDER_ARN.fullmatch(detail) is not None
    if issue == "UNKNOWN_CONDITION_FOR_ACTION" and isinstance(detail, str):
        match = _UNKNOWN_CONDITION.search(detail)
        if match is None:
            return False
        key, action = match["key"].lower(), match["action"].lower()
        if documents_condition_key(action, key):
            return True  # parliament's data is older than AWS's reference
        if document.kind == "trust" and "." in key.split(":", 1)[0]:
            return True  # an identity provider's own key: <provider host>:sub, :aud, :amr
        return key == "sts:sourceidentity" and action == "sts:tagsession"
    return False


def _detail(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    return json.dumps(detail, sort_keys=True, default=str)


DOCUMENT_VALID = ResourceValidationPolicy(
    name="iam-policy-document-valid",
    description="IAM policy documents (identity and trust) must be valid: parliament finds no unknown action, "
    "prefix or condition key, malformed statement, resource mismatch or type mismatch.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Correct the action, condition key, operator, ARN or statement the message names; AWS "
    "accepts most of these silently and the statement then never matches.",
    config_schema=SCHEMA,
    validate=_validate,
)
