"""Tests of policies/rules/iam_trust.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.iam_trust import TRUST_SERVICE_CONDITIONS
from policies.testing import assert_passes, assert_violates, resource, run_policy
from tests.policies.rules.samples import ACCOUNT, doc


def service_role(service, condition=None):
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return resource("aws:iam/role:Role", "svc-role", {"assumeRolePolicy": doc(statement)})


@pytest.mark.parametrize("service", ["events.amazonaws.com", "scheduler.amazonaws.com", "logs.eu-west-1.amazonaws.com"])
def test_cross_account_service_without_source_condition_fires(service):
    violation = assert_violates(
        run_policy(TRUST_SERVICE_CONDITIONS, service_role(service)), "iam-role-trust-service-conditions"
    )
    assert violation.level == "advisory" and "aws:SourceAccount" in violation.message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/x"}},
    ],
)
def test_conditioned_service_passes(condition):
    assert_passes(run_policy(TRUST_SERVICE_CONDITIONS, service_role("events.amazonaws.com", condition)))


def test_lambda_execution_role_passes():
    assert_passes(run_policy(TRUST_SERVICE_CONDITIONS, service_role("lambda.amazonaws.com")))
