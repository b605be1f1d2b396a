"""The findings judged against AWS's service authorization reference (policies/iam_data.py) instead of
parliament's older bundled copy: unknown prefixes and actions, and actions that apply to none of a
statement's resources.

An action glob is judged by what it matches: ``s3:List*`` on a bucket is fine because
``s3:ListBucket`` applies to it, even though ``s3:ListAllMyBuckets`` does not (the AWS CDK's
standard grants are written so). A named action that applies to none of the statement's resources
is a mismatch (``s3:GetObject`` on ``arn:aws:s3:::bucket``), with one exception the AWS CDK's
``grantReadData`` relies on: a stream action on the resource the stream belongs to
(``dynamodb:GetRecords`` on the table).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any

from policies import iam_data
from policies.documents import Statement, read_statements

# Parliament's versions of these findings are replaced by the ones below.
AWS_REFERENCE_FINDINGS = {"UNKNOWN_PREFIX", "UNKNOWN_ACTION", "RESOURCE_MISMATCH"}
_TITLES = {
    "UNKNOWN_PREFIX": "Unknown prefix",
    "UNKNOWN_ACTION": "Unknown action",
    "RESOURCE_MISMATCH": "No resources match for the given action",
}


def reference_findings(document: Any) -> Iterator[tuple[str, str]]:
    """``(issue, "title: detail")`` for a parsed policy document (a dict); nothing for a malformed one."""
    for statement in read_statements(document) or []:  # iam-policy-document-valid lints only documents that parse
        for issue, detail in _statement_findings(statement):
            yield issue, f"{_TITLES[issue]}: {detail}"


def _statement_findings(statement: Statement) -> Iterator[tuple[str, str]]:
    mismatches = []
    for pattern in statement.actions + statement.not_actions:
        problem = _unknown(pattern)
        if problem is not None:
            yield problem
        elif pattern in statement.actions and statement.resources and not _applies(pattern, statement.resources):
            mismatches += [{"action": pattern, "required_format": f or "*"} for f in _formats(pattern)]
    if mismatches:
        yield "RESOURCE_MISMATCH", json.dumps(mismatches, sort_keys=True)


def _unknown(pattern: str) -> tuple[str, str] | None:
    if pattern == "*":
        return None
    prefix, _, action = pattern.partition(":")
    if not action:
        return "UNKNOWN_ACTION", f"Unknown action {pattern}"
    if not any(c in prefix for c in "*?") and not iam_data.is_known_service(prefix.lower()):
        return "UNKNOWN_PREFIX", f"Unknown prefix {prefix}"
    if not iam_data.expand(pattern):
        return "UNKNOWN_ACTION", f"Unknown action {pattern}"
    return None


def _applies(pattern: str, resources: list[str]) -> bool:
    """Whether some action the pattern matches applies to some resource of the statement."""
    return any(
        iam_data.applies_to(action, resource) or _stream_of(action, resource)
        for action in iam_data.expand(pattern)
        for resource in resources
    )


def _stream_of(action: str, resource: str) -> bool:
    """A stream-only action (every ARN format ``<parent>/stream/*``) on the stream's parent resource."""
    formats = iam_data.resource_formats(action) or []
    return (
        bool(formats)
        and all(f.endswith("/stream/*") for f in formats)
        and any(iam_data.arns_overlap(resource, f.removesuffix("/stream/*")) for f in formats)
    )


def _formats(pattern: str) -> list[str]:
    """The ARN formats a (mismatched) pattern's actions need, for the message; "" means "*"."""
    found: list[str] = []
    for action in sorted(iam_data.expand(pattern)):
        for arn_format in iam_data.resource_formats(action) or [""]:
            if arn_format not in found:
                found.append(arn_format)
    return found[:5]


def documents_condition_key(action: str, key: str) -> bool:
    """Whether AWS's reference documents the service condition ``key`` for ``action`` (both lower-cased)."""
    keys = iam_data.condition_keys(action)
    return keys is not None and any(fnmatch.fnmatchcase(key, documented) for documented in keys)
