"""What the TVM stack rules share: their settings and how they find the TVM's and the protected roles.

Roles are recognised by tag: the TVM role by ``tvmRoleTag`` = "true" (or its ARN in
``tvmRoleArns``), protected roles by ``protectedRoleTag`` = "true".
"""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies.resource_types import ROLE_TYPE
from policies.role_groups import RoleGrants, role_grants
from policies.schemas import PARTIAL_INPUT, partial_input_schema, string_list
from policies.stacks import tags_of

SCHEMA = PolicyConfigSchema(
    properties={
        "tvmRoleTag": {
            "type": "string",
            "default": "iam-platform:tvm",
            "description": 'Tag whose value "true" marks the TVM\'s role.',
        },
        "tvmRoleArns": string_list([], "ARNs of TVM roles outside this stack (or instead of the tag)."),
        "protectedRoleTag": {
            "type": "string",
            "default": "iam-platform:protected",
            "description": 'Tag whose value "true" marks a role only the TVM may assume.',
        },
        "sourceIdentityPrefix": {
            "type": "string",
            "default": "sentinel",
            "pattern": r"^[\w+=,.@-]+$",
            "description": "Prefix of every SourceIdentity the TVM sets "
            '("<prefix>.<user>.<id>"); the trust condition is '
            'StringLike sts:SourceIdentity "<prefix>.*".',
        },
        PARTIAL_INPUT: partial_input_schema(),
    },
)


# The TVM's own permissions can only be checked on a TVM role declared in this stack.
SCOPE_SCHEMA = PolicyConfigSchema(properties={k: v for k, v in SCHEMA.properties.items() if k != "tvmRoleArns"})


def tagged_roles(args: StackValidationArgs, tag: str) -> list[PolicyResource]:
    """The stack's roles tagged ``tag`` = "true"."""
    return [r for r in args.resources if r.resource_type == ROLE_TYPE and tags_of(r.props).get(tag) == "true"]


def grants_or_none(roles: list[PolicyResource], resources: list[PolicyResource]) -> list[RoleGrants] | None:
    """The roles' grants built at once, or None when a value is not known yet (then the rule reads them
    role by role and fails at the same point as before)."""
    try:
        return role_grants(roles, resources)
    except UnknownValueError:
        return None
