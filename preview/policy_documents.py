"""``aws.iam.get_policy_document`` answered offline: the JSON document the provider would render
from its ``statements`` (the provider's own field names), so programs that build their policies
with it hand the pack a real document."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

_LISTS = (
    ("actions", "Action"),
    ("notActions", "NotAction"),
    ("resources", "Resource"),
    ("notResources", "NotResource"),
)


def policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = [_statement(s) for s in args.get("statements") or []]
    text = json.dumps(document, indent=2)
    return {
        "json": text,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
        "id": str(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)),
    }


def _statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if statement.get("sid"):
        out["Sid"] = statement["sid"]
    out["Effect"] = statement.get("effect") or "Allow"
    for key, name in _LISTS:
        if statement.get(key):
            out[name] = _one_or_many(statement[key])
    for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if statement.get(key):
            out[name] = _principals(statement[key])
    if statement.get("conditions"):
        out["Condition"] = _conditions(statement["conditions"])
    return out


def _one_or_many(values: Any) -> Any:
    values = sorted(values) if isinstance(values, (list, tuple)) else [values]
    return values[0] if len(values) == 1 else values


def _principals(principals: Any) -> Any:
    grouped: dict[str, list[str]] = {}
    for principal in principals:
        grouped.setdefault(principal.get("type", ""), []).extend(principal.get("identifiers") or [])
    if list(grouped) == ["*"] and grouped["*"] == ["*"]:
        return "*"
    return {kind: _one_or_many(ids) for kind, ids in grouped.items()}


def _conditions(conditions: Any) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for condition in conditions:
        out.setdefault(condition.get("test", ""), {})[condition.get("variable", "")] = _one_or_many(
            condition.get("values") or []
        )
    return out
