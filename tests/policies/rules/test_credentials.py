"""Tests of policies/rules/credentials.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.credentials import LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, RDS_MASTER_PASSWORD_NOT_PLAIN
from policies.testing import UNKNOWN, assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCESS_KEY_ID, SECRET_ARN, SECRET_KEY

FUNCTION, CLUSTER, INSTANCE = "aws:lambda/function:Function", "aws:rds/cluster:Cluster", "aws:rds/instance:Instance"


PASSWORD_TYPE = "random:index/randomPassword:RandomPassword"


ENV_POLICY = "lambda-environment-no-plain-credentials"


def function(variables, name="app-fn"):
    return resource(FUNCTION, name, {"runtime": "python3.12", "environment": {"variables": variables}})


def test_a_literal_password_is_reported_without_its_value():
    violation = assert_violates(
        run_policy(
            LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS,
            function({"DB_PASSWORD": "hunter2hunter2", "DB_SECRET_ARN": SECRET_ARN}),
        ),
        ENV_POLICY,
        level="mandatory",
        count=1,
    )
    assert 'environment variable "DB_PASSWORD" of function "app-fn" holds a literal secret' in violation.message
    assert "hunter2" not in violation.message and "14 characters, not shown" in violation.message
    assert "exemptVariables" in violation.message


def test_keys_are_reported_one_by_one_and_never_shown():
    violations = run_policy(
        LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS,
        function(
            {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-west-2"}
        ),
    )
    assert_violates(violations, ENV_POLICY, count=2)
    assert_violates(violations, ENV_POLICY, contains='"AWS_ACCESS_KEY_ID" of function "app-fn" holds an AWS access key')
    assert not any(ACCESS_KEY_ID in v.message or SECRET_KEY in v.message for v in violations)


def test_unknown_values_and_functions_without_environment_pass():
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"DB_PASSWORD": UNKNOWN})))
    without = resource(FUNCTION, "f", {"runtime": "python3.12"})
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, without))
    assert_passes(
        run_policy(
            LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, resource(FUNCTION, "f", {"environment": {"variables": UNKNOWN}})
        )
    )


def test_exempt_variables_cover_names_not_key_shapes():
    config = {"exemptVariables": ["PASSWORD_POLICY", "LEAKED"]}
    assert_passes(
        run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"PASSWORD_POLICY": "Minimum12Upper"}), config)
    )
    assert_violates(
        run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"LEAKED": ACCESS_KEY_ID}), config),
        ENV_POLICY,
        contains="an AWS access key id",
    )
    exempt = {"exemptions": [{"name": "app-fn", "reason": "test fixture keys only"}]}
    assert_passes(run_policy(LAMBDA_ENVIRONMENT_NO_PLAIN_CREDENTIALS, function({"LEAKED": ACCESS_KEY_ID}), exempt))


def test_a_literal_master_password_is_reported_without_its_value():
    cluster = resource(
        CLUSTER, "db", {"engine": "aurora-mysql", "masterUsername": "admin", "masterPassword": "foobar-literal"}
    )
    violation = assert_violates(
        run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [cluster]),
        "rds-master-password-not-plain",
        level="advisory",
        urn=cluster.urn,
    )
    assert "foobar" not in violation.message and "manage_master_user_password=True" in violation.message


@pytest.mark.parametrize(
    "type_, key", [(CLUSTER, "masterPasswordWo"), (INSTANCE, "password"), (INSTANCE, "passwordWo")]
)
def test_every_password_property_counts(type_, key):
    database = resource(type_, "db", {"engine": "mysql", key: "jk4wu0o7-literal"})
    assert_violates(
        run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [database]), "rds-master-password-not-plain", contains=f"({key}, "
    )


def test_a_generated_password_or_an_unknown_one_passes_unless_a_managed_one_is_required():
    password = resource(
        PASSWORD_TYPE, "db-master-password", {"length": 32}, outputs={"length": 32, "result": "Preview0123456789!1aA"}
    )
    generated = resource(
        CLUSTER, "db", {"masterPassword": "Preview0123456789!1aA"}, property_dependencies={"masterPassword": [password]}
    )
    encrypted = resource(INSTANCE, "legacy", {"password": UNKNOWN})
    managed = resource(CLUSTER, "managed", {"manageMasterUserPassword": True})
    assert_passes(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [password, generated, encrypted, managed]))

    strict = run_policy(
        RDS_MASTER_PASSWORD_NOT_PLAIN, [password, generated, encrypted, managed], {"requireManagedPassword": True}
    )
    assert_violates(strict, "rds-master-password-not-plain", contains="requireManagedPassword", count=2)


def test_an_exempt_database_passes():
    cluster = resource(CLUSTER, "db", {"masterPassword": "foobar-literal"})
    exempt = {"exemptions": [{"name": "db", "reason": "throw-away test database"}]}
    assert_passes(run_policy(RDS_MASTER_PASSWORD_NOT_PLAIN, [cluster], exempt))
