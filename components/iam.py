"""Builders for IAM documents. No IAM JSON is written by hand anywhere else.

The statements and their builders are plain data in ``components.iam_documents`` (no Pulumi
import, for the CLI); this module re-exports them. A ``Statement`` may hold Pulumi inputs
(ARNs that are outputs of other resources); ``policy_document`` resolves them and serialises
the whole document once, with sorted keys, so an unchanged policy never shows a diff.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.iam_documents import (
    POLICY_VERSION,
    Conditions,
    Statement,
    allow,
    deny_all_principals_but,
    document,
    plain_policy_document,
    resource_grant,
    role_trust,
    serialise,
    service_trust,
    web_identity_trust,
)

__all__ = [
    "POLICY_VERSION",
    "Conditions",
    "Statement",
    "allow",
    "deny_all_principals_but",
    "document",
    "plain_policy_document",
    "policy_document",
    "resource_grant",
    "role_trust",
    "serialise",
    "service_trust",
    "web_identity_trust",
]


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """Serialise statements into a policy JSON string, resolving any Pulumi inputs."""
    return pulumi.Output.from_input(document(statements)).apply(serialise)
