"""A destroyed stack can be brought up again: the second `pulumi up` declares no name that AWS
still holds for the first.

Names that outlive a destroy, as far as the records show them (README "Destroy, then up again"):
- a secret's name, for its recovery window (``recoveryWindowInDays`` > 0; absent means AWS's 30);
- a cluster's final snapshot identifier (the snapshot stays until someone deletes it).
Everything else the program names explicitly is released at once (SSM parameters, the rotation
function inside its CloudFormation stack, IAM, KMS keys, which have no name), and auto-named
resources get a new random suffix from the engine.
"""

import functools

import pytest

from preview.recorder import run_program
from tests.support.harness import REPO, one, stack_config

SECRET = "aws:secretsmanager/secret:Secret"
CLUSTER = "aws:rds/cluster:Cluster"
STACKS = ("dev", "staging", "prod")


def held_after_destroy(records) -> dict[str, dict]:
    """Name -> the record that keeps it held once the stack is destroyed."""
    held = {}
    for record in records:
        inputs = record["inputs"]
        if record["type"] == SECRET and inputs.get("name") and inputs.get("recoveryWindowInDays", 30) > 0:
            held[inputs["name"]] = record
        if record["type"] == CLUSTER and not inputs.get("skipFinalSnapshot", False):
            held[inputs["finalSnapshotIdentifier"]] = record
    return held


def declared_names(records) -> set[str]:
    names = {r["inputs"]["name"] for r in records if r["type"] == SECRET and r["inputs"].get("name")}
    return names | {
        r["inputs"]["finalSnapshotIdentifier"]
        for r in records
        if r["type"] == CLUSTER and r["inputs"].get("finalSnapshotIdentifier")
    }


@functools.cache
def lives(stack: str):
    """The stack's program run twice, as two lives of the stack with different random results."""
    config = stack_config(stack)
    return (
        run_program(REPO, "iam-platform", stack, config, seed="first"),
        run_program(REPO, "iam-platform", stack, config, seed="second"),
    )


@pytest.mark.parametrize("stack", STACKS)
def test_recreated_stack_declares_no_name_the_destroyed_one_still_holds(stack):
    first, second = lives(stack)
    clashes = {
        name: record
        for name, record in held_after_destroy(first.records).items()
        if name in declared_names(second.records)
    }
    if stack == "prod":
        # On purpose: prod's secrets keep a 30-day window, and `pulumi destroy` refuses them (protect).
        assert clashes and all(record["protect"] for record in clashes.values())
        assert all(record["type"] == SECRET for record in clashes.values())
    else:
        assert clashes == {}


def test_final_snapshots_get_a_new_identifier_per_life():
    first, second = lives("prod")
    names = [one(run, CLUSTER, "database-cluster")["inputs"]["finalSnapshotIdentifier"] for run in (first, second)]
    assert names[0] != names[1]
    assert all(name.startswith("iam-platform-prod-database-final-") for name in names)


@pytest.mark.parametrize("stack", ("dev", "staging"))
def test_secrets_outside_prod_are_deleted_at_once(stack):
    first, _ = lives(stack)
    windows = {r["name"]: r["inputs"].get("recoveryWindowInDays") for r in first.of_type(SECRET)}
    assert windows and set(windows.values()) == {0}
