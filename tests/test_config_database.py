"""The network and database settings: defaults, bounds, and the rules between keys."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.settings import StackConfigError, parse_stack_settings

REGION = {"aws:region": "eu-west-1"}
PROTECTED = {"iam-platform:protection": '{"deletionProtection": true}'}


def config(stack="dev", **sections):
    import json

    values = {**REGION, **{f"iam-platform:{k}": json.dumps(v) for k, v in sections.items()}}
    if stack == "prod":
        values.update(PROTECTED)
    return parse_stack_settings(stack, values, environ={})


def problems(stack="dev", **sections) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        config(stack, **sections)
    return caught.value.problems


def test_defaults():
    c = config()
    db, net = c.database, c.network
    assert not db.enabled and db.rotation.strategy == "single-user"
    assert (db.min_capacity, db.max_capacity, db.readers, db.backup_retention_days) == (0.5, 4, 0, 7)
    assert db.rotation.schedule_expression == "rate(30 days)" and db.rotation.duration is None
    assert db.rotation.exclude_characters == "\"@/\\'" and db.rotation.application_version == "1.1.671"
    assert (db.credentials_ttl_seconds, db.secrets_extension_layer_arn, db.final_snapshot) == (300, None, False)
    assert (net.vpc_id, net.subnet_ids, net.cidr_block, net.availability_zones) == (None, None, "10.20.0.0/16", 2)
    assert net.secrets_manager_endpoint


def test_schedules():
    assert config(database={"rotation": {"everyDays": 7}}).database.rotation.schedule_expression == "rate(7 days)"
    rotation = config(database={"rotation": {"cron": "cron(0 3 ? * SUN *)", "windowHours": 2}}).database.rotation
    assert (rotation.schedule_expression, rotation.duration) == ("cron(0 3 ? * SUN *)", "2h")


@pytest.mark.parametrize(
    "section, value, fragment",
    [
        ("database", {"rotation": {"everyDays": 3, "cron": "cron(0 3 ? * SUN *)"}}, "either everyDays or cron"),
        ("database", {"rotation": {"windowHours": 3}}, "windowHours needs a cron"),
        ("database", {"rotation": {"everyDays": 1001}}, "database.rotation.everyDays = 1001"),
        ("database", {"rotation": {"cron": "0 3 * * *"}}, "database.rotation.cron"),
        ("database", {"rotation": {"strategy": "dual"}}, "database.rotation.strategy"),
        ("database", {"rotation": {"applicationVersion": "latest"}}, "applicationVersion"),
        ("database", {"minCapacity": 8, "maxCapacity": 4}, "minCapacity must not exceed maxCapacity"),
        ("database", {"minCapacity": 0.3}, "multiple of 0.5"),
        ("database", {"maxCapacity": 512}, "database.maxCapacity"),
        ("database", {"readers": 16}, "database.readers"),
        ("database", {"backupRetentionDays": 0}, "database.backupRetentionDays"),
        ("database", {"logExports": ["everything"]}, "database.logExports[0]"),
        ("database", {"engineVersion": "5.7"}, "database.engineVersion"),
        ("database", {"secretsExtensionLayerArn": "arn:aws:lambda:eu-west-1:1:layer:x"}, "secretsExtensionLayerArn"),
        ("database", {"masterUsername": "app"}, "appUsername must differ"),
        ("database", {"credentialsTtlSeconds": -1}, "credentialsTtlSeconds"),
        ("database", {"rotaton": {}}, "database.rotaton = {}: unknown setting"),
        ("network", {"vpcId": "vpc-0123456789abcdef0"}, "set vpcId and subnetIds together"),
        (
            "network",
            {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-01234567", "subnet-01234567"]},
            "must not repeat",
        ),
        ("network", {"vpcId": "vpc-0123456789abcdef0", "subnetIds": ["subnet-01234567"]}, "network.subnetIds"),
        ("network", {"vpcId": "vpc-1", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}, "network.vpcId"),
        ("network", {"cidrBlock": "8.8.0.0/16"}, "private range"),
        ("network", {"cidrBlock": "10.0.0.0/8"}, "private range"),
        ("network", {"cidrBlock": "banana"}, "IPv4 network"),
        ("network", {"availabilityZones": 4}, "network.availabilityZones"),
    ],
)
def test_bad_values_are_named(section, value, fragment):
    assert any(fragment in line for line in problems(**{section: value})), problems(**{section: value})


def test_prod_database_needs_a_final_snapshot():
    assert problems("prod", database={"enabled": True}) == [
        'iam-platform:database = {"enabled": true}: the prod stack must set finalSnapshot: true'
    ]
    assert config("prod", database={"enabled": True, "finalSnapshot": True}).database.final_snapshot
    assert not config("prod").database.enabled  # a prod without a database needs no snapshot setting


def test_prod_file_enables_the_database_strictly():
    from pathlib import Path

    from preview.stack_files import read_stack_settings

    repo = Path(__file__).resolve().parent.parent
    prod = parse_stack_settings("prod", read_stack_settings(repo, "prod").config, environ={})
    assert prod.database.enabled and prod.database.final_snapshot and prod.protection.deletion_protection
    dev = parse_stack_settings("dev", read_stack_settings(repo, "dev").config, environ={})
    assert dev.database.enabled


def test_app_username_leaves_room_for_the_rotation_clone():
    # AWS's multi-user rotation function clones the user as <name>_clone and refuses clone names over 16
    # characters (aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRDSMySQLRotationMultiUser/
    # lambda_function.py at b4b8eca63e1f61bbcfb18c291b640f4fc3b0deb8): 10 characters fit, 11 fail the first rotation.
    rotation = {"strategy": "alternating-users"}
    assert (
        config(database={"rotation": {**rotation, "appUsername": "a" * 10}}).database.rotation.app_username == "a" * 10
    )
    assert problems(database={"rotation": {**rotation, "appUsername": "application"}}) == [
        "iam-platform:database.rotation.appUsername = application: at most 10 characters: the alternating-users "
        "rotation function clones the user as <name>_clone and refuses clone names over 16 characters"
    ]
    [line] = problems(database={"rotation": {"appUsername": "rw_clone"}})
    assert line.startswith("iam-platform:database.rotation.appUsername = rw_clone: must not end in _clone")


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True))
def test_every_accepted_app_username_can_rotate(name):
    try:
        accepted = config(database={"rotation": {"appUsername": name}}).database.rotation.app_username == name
    except StackConfigError:
        accepted = False
    assert accepted == (len(name + "_clone") <= 16 and not name.endswith("_clone"))
