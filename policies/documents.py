"""IAM policy documents, parsed and normalised so rules never deal with the JSON's many shapes.

AWS accepts a single value or a list for Statement, Action, Resource and each Principal kind;
every one of them becomes a list here. ``"Principal": "*"`` means ``{"AWS": "*"}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import ReportViolation
from pulumi_policy.proxy import UnknownValueError

from policies.props import plain
from policies.resource_types import IDENTITY_POLICY_TYPES, ROLE_TYPE


class PolicyDocumentError(ValueError):
    """The document is not valid JSON or not shaped like an IAM policy."""


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str
    effect: str
    principals: dict[str, list[str]] = field(default_factory=dict)
    not_principals: dict[str, list[str]] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    not_actions: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    not_resources: list[str] = field(default_factory=list)
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f'statement "{self.sid}"' if self.sid else f"statement [{self.index}]"

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_public(self) -> bool:
        """Whether a principal is ``*``: anyone (``"Principal": "*"``, ``{"AWS": "*"}``, ...), or an AWS
        principal with a wildcard in it (``arn:aws:iam::*:role/x``): IAM matches no partial wildcard in a
        principal, so scanners and this pack read it as meant for every account."""
        return any("*" in ids for ids in self.principals.values()) or any(
            "*" in principal for principal in self.principals.get("AWS", [])
        )

    def condition_keys(self) -> set[str]:
        """Every condition key, lower-cased (AWS compares them case-insensitively)."""
        return {key.lower() for block in self.conditions.values() for key in block}

    def restricting_keys(self) -> set[str]:
        """The condition keys (lower-cased) that narrow who or what the statement applies to.

        For an Allow: keys under a positive operator (StringEquals, ArnLike, IpAddress, Bool,
        NumericEquals, ...), which a request must carry with a matching value. For a Deny ("deny
        unless"): keys under a negated operator (StringNotEquals, NotIpAddress, ...), so a request
        without the right value is denied. Never a key under ``...IfExists`` or ``Null`` (a request
        that omits the key passes), nor under ``ForAllValues:`` on an Allow / ``ForAnyValue:`` on a
        Deny (both let a request without the key through), nor one whose values match anything
        (``*``, ``0.0.0.0/0``, ``::/0``).
        """
        negated = self.effect == "Deny"
        keys: set[str] = set()
        for operator, block in self.conditions.items():
            if _restricts(operator, negated):
                keys.update(key.lower() for key, values in block.items() if not _matches_anything(values))
        return keys

    def restricting_values(self, key: str) -> list[Any] | None:
        """The values a restricting condition (see ``restricting_keys``) gives ``key`` (case-insensitive),
        all operators together; None when no restricting condition names it."""
        found: list[Any] | None = None
        for operator, block in self.conditions.items():
            if not _restricts(operator, self.effect == "Deny"):
                continue
            for name, values in block.items():
                if name.lower() == key.lower():
                    found = (found or []) + (values if isinstance(values, list) else [values])
        return found


_POSITIVE_OPERATORS = {
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "numericequals",
    "numericlessthan",
    "numericlessthanequals",
    "numericgreaterthan",
    "numericgreaterthanequals",
    "dateequals",
    "datelessthan",
    "datelessthanequals",
    "dategreaterthan",
    "dategreaterthanequals",
    "bool",
    "binaryequals",
    "ipaddress",
    "arnequals",
    "arnlike",
}
_NEGATED_OPERATORS = {
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "numericnotequals",
    "datenotequals",
    "notipaddress",
    "arnnotequals",
    "arnnotlike",
}
_MATCH_ANYTHING = {"*", "0.0.0.0/0", "::/0"}


def _restricts(operator: str, negated: bool) -> bool:
    """Whether ``operator`` makes a request without the key's expected value fail the statement."""
    qualifier, _, base = operator.lower().rpartition(":")
    if base.endswith("ifexists") or qualifier not in ("", "foranyvalue", "forallvalues"):
        return False
    if negated:  # Deny: a missing key must be denied, which ForAnyValue: does not do
        return base in _NEGATED_OPERATORS and qualifier != "foranyvalue"
    return base in _POSITIVE_OPERATORS and qualifier != "forallvalues"  # ForAllValues: is true without the key


def _matches_anything(values: Any) -> bool:
    return any(
        isinstance(value, str) and value.strip() in _MATCH_ANYTHING
        for value in (values if isinstance(values, list) else [values])
    )


def parse_policy_document(document: Any) -> list[Statement]:
    """``document`` is a JSON string or a mapping (a plain dict or a policy proxy)."""
    if isinstance(document, str):  # the same document string recurs on many resources and in many rules
        return list(_parse_string(document))
    return _parse(document)


@functools.lru_cache(maxsize=4096)
def _parse_string(document: str) -> tuple[Statement, ...]:
    return tuple(_parse(document))


def _parse(document: Any) -> list[Statement]:
    data = _load(document)
    statements = data.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyDocumentError("Statement must be an object or a list of objects")
    return [_statement(index, raw) for index, raw in enumerate(statements)]


def _load(document: Any) -> dict[str, Any]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise PolicyDocumentError(f"not valid JSON ({error})") from None
    data = plain(document)
    if not isinstance(data, dict):
        raise PolicyDocumentError("the document must be a JSON object")
    return data


def _statement(index: int, raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyDocumentError(f"statement [{index}] must be an object")
    return Statement(
        index=index,
        sid=str(raw.get("Sid") or ""),
        effect=str(raw.get("Effect") or ""),
        principals=_principals(raw.get("Principal"), index),
        not_principals=_principals(raw.get("NotPrincipal"), index),
        actions=_strings(raw.get("Action"), index),
        not_actions=_strings(raw.get("NotAction"), index),
        resources=_strings(raw.get("Resource"), index),
        not_resources=_strings(raw.get("NotResource"), index),
        conditions=_conditions(raw.get("Condition"), index),
    )


def _strings(value: Any, index: int) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in values):
        raise PolicyDocumentError(f"statement [{index}]: expected a string or a list of strings")
    return list(values)


def _principals(value: Any, index: int) -> dict[str, list[str]]:
    if value is None:
        return {}
    if value == "*":
        return {"AWS": ["*"]}
    if not isinstance(value, dict):
        raise PolicyDocumentError(f'statement [{index}]: a principal must be "*" or an object')
    return {kind: _strings(ids, index) for kind, ids in value.items()}


def _conditions(value: Any, index: int) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(block, dict) for block in value.values()):
        raise PolicyDocumentError(f"statement [{index}]: Condition must map operators to objects")
    return value


# --- the documents a resource carries ------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One IAM policy document a resource carries, and where it sits on the resource."""

    where: str  # "policy", "inlinePolicies[0].policy", "assumeRolePolicy"
    text: Any  # the JSON string (or mapping) as given
    kind: str  # "identity" | "trust"

    def statements(self) -> list[Statement]:
        """The document's statements; none when it does not parse (see ``read_statements``)."""
        return read_statements(self.text) or []


# --- reading a document: the two ways every rule uses ----------------------------------------
# A document that does not parse is reported once, by the policy whose job it is: identity policies by
# iam-policy-document-valid, trust policies by iam-role-trust-no-wildcard, a resource or key policy by the
# policy that guards it. Those call ``statements_or_report``; every other rule reads with ``read_statements``.


def read_statements(document: Any) -> list[Statement] | None:
    """The document's statements; None when it does not parse, for a rule that leaves the report to the
    policy whose job it is."""
    try:
        return parse_policy_document(document)
    except PolicyDocumentError:
        return None


def statements_or_report(
    document: Any, what: str, report_violation: ReportViolation, urn: str | None = None
) -> list[Statement] | None:
    """The document's statements; None once reported as unparsable (``what``: 'the key policy of "k"')."""
    try:
        return parse_policy_document(document)
    except PolicyDocumentError as error:
        report_violation(f"{what} is not a valid policy document: {error}; fix the JSON", urn)
        return None


def identity_documents(
    resource_type: str, props: Mapping[str, Any], unknowns: list[UnknownValueError] | None = None
) -> Iterator[Document]:
    """The identity policies of a Policy, RolePolicy, UserPolicy, GroupPolicy or Role (inline).

    A document not known yet raises UnknownValueError; with ``unknowns``, a Role's unknown inline
    policy is recorded there instead and the others are still yielded."""
    key = IDENTITY_POLICY_TYPES.get(resource_type)
    if key is not None:
        document = props.get(key)
        if document not in (None, ""):
            yield Document(key, document, "identity")
    elif resource_type == ROLE_TYPE:
        inline = props.get("inlinePolicies") or []
        for index in range(len(inline)):
            try:
                entry = inline[index]
                document = entry.get("policy") if isinstance(entry, Mapping) else None
            except UnknownValueError as error:
                if unknowns is None:
                    raise
                unknowns.append(error)
                continue
            if document not in (None, ""):
                yield Document(f"inlinePolicies[{index}].policy", document, "identity")


def trust_document(resource_type: str, props: Mapping[str, Any]) -> Document | None:
    if resource_type != ROLE_TYPE:
        return None
    document = props.get("assumeRolePolicy")
    return None if document in (None, "") else Document("assumeRolePolicy", document, "trust")


# --- values not known yet: rules check every known document, then report the first unknown one ------------


def known_statements(
    documents: Iterable[Document], unknowns: list[UnknownValueError]
) -> Iterator[tuple[Document, Statement]]:
    """Every statement of the known ``documents``; a document not known yet goes to ``unknowns``."""
    for document in documents:
        try:
            statements = document.statements()
        except UnknownValueError as error:
            unknowns.append(error)
            continue
        yield from ((document, statement) for statement in statements)


def raise_first_unknown(unknowns: list[UnknownValueError]) -> None:
    """After every known document is checked: the "can't run policy" advisory for an unknown one."""
    if unknowns:
        raise unknowns[0]
