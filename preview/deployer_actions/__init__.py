"""What the identity running ``pulumi up`` (and ``destroy``) may need, per resource type.

A family groups the types whose actions act on the same AWS resources: its statement's
resources come from the stack's own records (``arn`` below, with ``{region}`` and the
resource's name pattern ``{name}``), or ``*`` where the service has no resource-level
permissions or names resources by random ids. The action lists follow what the AWS provider
calls to create, read, update, tag and delete each type; they were written by hand, checked
against AWS's service authorization reference (every action exists and applies to a resource of
its statement: tests/preview/test_deployer_policy.py) but not exercised against an account: a
starting point.
"""

from __future__ import annotations

from preview.deployer_actions import apis, database, functions, identity, services
from preview.deployer_actions.family import Family

__all__ = ["FAMILIES", "NO_AWS_CALLS", "PROGRAM_READS", "Family"]

# Order matters: the policy's statements follow it.
FAMILIES: tuple[Family, ...] = (
    identity.FAMILIES + functions.FAMILIES + database.FAMILIES + apis.FAMILIES + services.FAMILIES
)

# Types that call no AWS API (the engine's own, or computed locally by the random provider).
NO_AWS_CALLS = frozenset(
    {
        "pulumi:providers:aws",
        "pulumi:providers:random",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomId:RandomId",
    }
)
# What the program reads before it declares anything (data sources); GetCallerIdentity needs no permission.
PROGRAM_READS = ("ec2:DescribeAvailabilityZones",)
