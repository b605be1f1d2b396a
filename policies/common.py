"""Helpers the rules share: resource types, exemptions, tags, stacks, function names, IAM actions, documents."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, TypeVar, cast

from pulumi_policy import ReportViolation
from pulumi_policy.proxy import UnknownValueError

from policies import iam_data
from policies.autonames import is_name_or_autoname
from policies.documents import PolicyDocumentError, Statement, parse_policy_document
from policies.props import known_or_none, plain

IDENTITY_POLICY_TYPES = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
ROLE_TYPE = "aws:iam/role:Role"
FUNCTION_TYPE = "aws:lambda/function:Function"
PERMISSION_TYPE = "aws:lambda/permission:Permission"
ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_TYPE = "aws:iam/policy:Policy"
POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"

_Check = TypeVar("_Check", bound=Callable[..., Any])


def applies_to(*resource_types: str) -> Callable[[_Check], _Check]:
    """Run the decorated validation or remediation only on resources of these types (None for others)."""
    def decorate(check: _Check) -> _Check:
        @functools.wraps(check)
        def checked(args: Any, *rest: Any) -> Any:
            return check(args, *rest) if args.resource_type in resource_types else None
        return cast(_Check, checked)
    return decorate


# --- exemptions ---------------------------------------------------------------------------

def exemption_reason(settings: Mapping[str, Any], *names: Any) -> Optional[str]:
    """The reason of the first exemption matching any of ``names`` (logical or physical names)."""
    candidates = [n for n in names if isinstance(n, str) and n]
    for entry in settings.get("exemptions") or []:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not name:
            continue
        for candidate in candidates:
            if is_name_or_autoname(candidate, name):
                return str(entry.get("reason") or "")
    return None


class NamedResource(Protocol):
    """A resource as a rule sees it: ResourceValidationArgs, or a PolicyResource of a stack policy."""

    name: str
    props: Mapping[str, Any]


def is_exempt(settings: Mapping[str, Any], resource: NamedResource) -> bool:
    """Whether an exemption names the resource: its logical name, or its physical ``name`` property."""
    return exemption_reason(settings, resource.name, known_or_none(resource.props, "name")) is not None


# --- tags, stacks, names ------------------------------------------------------------------

def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """Explicit ``tags`` over the provider's ``tagsAll``; unknown or absent tag maps count as empty."""
    merged: dict[str, str] = {}
    for key in ("tagsAll", "tags"):
        value = known_or_none(props, key)
        if isinstance(value, Mapping):
            for tag, tag_value in value.items():
                tag_value = known_or_none(value, tag)
                if isinstance(tag_value, str):
                    merged[tag] = tag_value
    return merged


def stack_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::...`` → ``<stack>``."""
    return urn.removeprefix("urn:pulumi:").split("::", 1)[0]


_OWN_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):.+")


def stack_account_ids(resources: Iterable[Any]) -> set[str]:
    """The accounts of the ARNs (``arn`` outputs) of the stack's resources: the stack's own accounts."""
    accounts = set()
    for resource in resources:
        arn = known_or_none(resource.props, "arn")
        match = _OWN_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if match:
            accounts.add(match.group(1))
    return accounts


def function_name(function: str) -> str:
    """``function`` is a name, ``name:qualifier``, or a (partial) ARN ending in ``function:name[:qualifier]``."""
    if ":function:" in function:
        function = function.split(":function:", 1)[1]
    return function.split(":", 1)[0]


# --- IAM actions --------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def expand_action(pattern: str) -> frozenset[str]:
    """Every known IAM action (``service:Action``, lower-cased) an action pattern grants.

    Uses AWS's service authorization reference (policies/iam_data.py). An unknown service or
    action expands to the pattern itself, lower-cased, so a policy still sees what was written.
    """
    return iam_data.expand(pattern) or frozenset({pattern.lower()})


def grants(action_patterns: Iterable[str], wanted: Iterable[str]) -> set[str]:
    """Which ``wanted`` patterns (globs, case-insensitive) the statement's actions grant."""
    granted: set[str] = set()
    for action in action_patterns:
        for concrete in expand_action(action):
            granted.update(w for w in wanted if fnmatch.fnmatchcase(concrete, w.lower()))
    return granted


def granted_actions(action_patterns: Iterable[str], wanted: Iterable[str]) -> set[str]:
    """The concrete actions (lower-cased) of the statement matching any ``wanted`` glob."""
    wanted = [w.lower() for w in wanted]
    return {concrete for action in action_patterns for concrete in expand_action(action)
            if any(fnmatch.fnmatchcase(concrete, w) for w in wanted)}


def resource_matches(pattern: str, arn: str) -> bool:
    """Whether an IAM Resource pattern (``*`` and ``?`` wildcards) covers ``arn``."""
    return fnmatch.fnmatchcase(arn, pattern)


_ARN = re.compile(r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)")


def is_effectively_star(resource: str) -> bool:
    """``*``, or an ARN naming every resource of a type in an account (or in every account).

    After the account, the ARN holds only wildcards and the service's resource-type words, each
    followed by a wildcard: ``key/*``, ``secret:*``, ``function:*:*``, ``table/*/index/*``,
    ``*/*/*/*`` (execute-api), or just ``*``; whatever its region and account. A name or a name
    prefix anywhere (``function:app-*``, ``log-group:x:log-stream:*``, ``<api-id>/*``) scopes it.
    """
    if resource == "*":
        return True
    match = _ARN.fullmatch(resource)
    if not match:
        return False
    tokens = re.split(r"[/:]", match["resource"])
    if not _WILDCARD.fullmatch(tokens[-1]):
        return False
    words = _resource_type_words(match["service"].lower())
    return all(_WILDCARD.fullmatch(token) or (token in words and _WILDCARD.fullmatch(after))
               for token, after in zip(tokens, [*tokens[1:], ""], strict=True))


_WILDCARD = re.compile(r"[*?]*\*[*?]*")


def _resource_type_words(service: str) -> frozenset[str]:
    return iam_data.resource_type_words(service)


# --- policy documents ---------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    """One IAM policy document a resource carries, and where it sits on the resource."""

    where: str     # "policy", "inlinePolicies[0].policy", "assumeRolePolicy"
    text: Any      # the JSON string (or mapping) as given
    kind: str      # "identity" | "trust"

    def statements(self) -> list[Statement]:
        """The document's statements; none when it does not parse (iam-policy-document-valid reports that)."""
        try:
            return parse_policy_document(self.text)
        except PolicyDocumentError:
            return []


def statements_or_report(document: Any, what: str,
                         report_violation: ReportViolation) -> Optional[list[Statement]]:
    """A resource policy's statements; None once reported as unparsable (``what``: 'the key policy of "k"')."""
    try:
        return parse_policy_document(document)
    except PolicyDocumentError as error:
        report_violation(f"{what} is not a valid policy document: {error}; fix the JSON", None)
        return None


def identity_documents(resource_type: str, props: Mapping[str, Any],
                       unknowns: Optional[list[UnknownValueError]] = None) -> Iterator[Document]:
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


def trust_document(resource_type: str, props: Mapping[str, Any]) -> Optional[Document]:
    if resource_type != ROLE_TYPE:
        return None
    document = props.get("assumeRolePolicy")
    return None if document in (None, "") else Document("assumeRolePolicy", document, "trust")


@dataclass(frozen=True)
class Attachment:
    """A managed policy attached to a role: by whom (``source``, ``where``), its ARN when known, and the
    Policy resource of the stack it names (None for an AWS-managed or external policy)."""

    source: Any              # the attachment resource, or the role itself (managedPolicyArns)
    where: str               # "policyArn", "managedPolicyArns[0]", "policyArns[1]"
    arn: Optional[str]       # None when not known yet
    policy: Optional[Any]    # the stack's aws:iam/policy:Policy, when the ARN names one


def role_identity_documents(role: Any, resources: list[Any]) -> Iterator[tuple[Any, Document]]:
    """Every identity document granting to ``role`` (a PolicyResource): inline policies, RolePolicy
    resources naming it, and the stack's Policy resources attached to it (see ``role_attachments``)."""
    for document in identity_documents(ROLE_TYPE, role.props):
        yield role, document
    refs = _role_refs(role)
    for resource in resources:
        if resource.resource_type == ROLE_POLICY_TYPE and (
                _linked(resource, "role", role) or _known_str(resource.props, "role") in refs):
            for document in identity_documents(ROLE_POLICY_TYPE, resource.props):
                yield resource, document
    seen: set[str] = set()
    for attachment in role_attachments(role, resources):
        if attachment.policy is not None and attachment.policy.urn not in seen:
            seen.add(attachment.policy.urn)
            for document in identity_documents(POLICY_TYPE, attachment.policy.props):
                yield attachment.policy, document


def role_attachments(role: Any, resources: list[Any]) -> Iterator[Attachment]:
    """Every managed policy attached to ``role``: RolePolicyAttachment, PolicyAttachment (``roles``),
    RolePolicyAttachmentsExclusive (``policyArns``) and the role's own ``managedPolicyArns``.

    A reference is followed through the property dependency the program recorded, else by a known
    name or ARN; an unknown value never matches another unknown value."""
    refs = _role_refs(role)
    policies = [r for r in resources if r.resource_type == POLICY_TYPE]
    yield from _attached(role, "managedPolicyArns", role, policies)
    for resource in resources:
        kind = resource.resource_type
        if kind == ROLE_POLICY_ATTACHMENT_TYPE:
            if _linked(resource, "role", role) or _known_str(resource.props, "role") in refs:
                yield from _attached(resource, "policyArn", resource, policies)
        elif kind == POLICY_ATTACHMENT_TYPE:
            roles = known_or_none(resource.props, "roles") or []
            if _linked(resource, "roles", role) or any(_known_item(roles, i) in refs for i in range(len(roles))):
                yield from _attached(resource, "policyArn", resource, policies)
        elif kind == ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE:
            if _linked(resource, "roleName", role) or _known_str(resource.props, "roleName") in refs:
                yield from _attached(resource, "policyArns", resource, policies)


def _attached(holder: Any, key: str, source: Any, policies: list[Any]) -> Iterator[Attachment]:
    """The attachments ``holder.props[key]`` (one ARN or a list) makes."""
    try:
        value = holder.props.get(key)
    except UnknownValueError:
        value = None
        unknown = True
    else:
        unknown = False
    single = isinstance(value, str) or value is None
    arns = [value] if isinstance(value, str) else [] if value is None else \
        [_known_item(value, i) for i in range(len(value))]
    linked = [p for p in holder.property_dependencies.get(key, []) if p.resource_type == POLICY_TYPE]
    unmatched = list(linked)
    for index, arn in enumerate(arns):
        where = key if single else f"{key}[{index}]"
        policy = _policy_for(arn, policies) if arn is not None else None
        if policy is None and arn is None and len(linked) == 1:
            policy = linked[0]  # the one Policy whose (unknown) ARN the program passed
        unmatched = [p for p in unmatched if policy is None or p.urn != policy.urn]
        yield Attachment(source, where, arn, policy)
    for policy in unmatched:  # linked by the program, its ARN not known yet
        yield Attachment(source, key, None, policy)
    if unknown and not linked:
        yield Attachment(source, key, None, None)


def _policy_for(arn: str, policies: list[Any]) -> Optional[Any]:
    """The stack's Policy whose ARN is ``arn``; at preview a new Policy's ARN is unknown, so one whose
    known name and path end the ARN (``arn:aws:iam::<account>:policy<path><name>``) counts too."""
    for policy in policies:
        if known_or_none(policy.props, "arn") == arn:
            return policy
    if ":policy/" not in arn or arn.split(":")[4:5] == ["aws"]:
        return None
    for policy in policies:
        name = _known_str(policy.props, "name")
        if known_or_none(policy.props, "arn") is None and name is not None \
                and arn.endswith(":policy" + (_known_str(policy.props, "path") or "/") + name):
            return policy
    return None


def _role_refs(role: Any) -> set[str]:
    return {v for v in (known_or_none(role.props, k) for k in ("name", "id", "arn")) if isinstance(v, str) and v}


def _known_str(props: Mapping[str, Any], key: str) -> Optional[str]:
    value = known_or_none(props, key)
    return value if isinstance(value, str) and value else None


def _known_item(values: Any, index: int) -> Optional[str]:
    try:
        value = values[index]
    except UnknownValueError:
        return None
    return value if isinstance(value, str) and value else None


def _linked(resource: Any, key: str, target: Any) -> bool:
    return any(dep.urn == target.urn for dep in resource.property_dependencies.get(key, []))


def as_plain(value: Any) -> Any:
    return plain(value)
