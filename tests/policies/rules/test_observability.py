"""Tests of policies/rules/observability.py, through policies.testing (the in-process harness)."""

import pytest

from policies.rules.observability import APIGATEWAY_STAGE_ACCESS_LOGGING, LOG_GROUP_RETENTION_SET
from policies.testing import assert_passes, assert_violates, remediate, resource, run_policy

LOGS = {
    "destinationArn": "arn:aws:logs:eu-west-1:123456789012:log-group:api-logs",
    "format": '{"id":"$context.requestId"}',
}


@pytest.mark.parametrize("type_", ["aws:apigateway/stage:Stage", "aws:apigatewayv2/stage:Stage"])
def test_stage_without_access_logs_fires(type_):
    stage = resource(type_, "api-stage", {"stageName": "v1"})

    violation = assert_violates(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, stage), "apigateway-stage-access-logging")
    assert violation.level == "advisory" and "access_log_settings" in violation.message


@pytest.mark.parametrize("type_", ["aws:apigateway/stage:Stage", "aws:apigatewayv2/stage:Stage"])
def test_stage_with_access_logs_passes(type_):
    assert_passes(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, resource(type_, "s", {"accessLogSettings": LOGS})))


def test_stage_with_a_destination_but_no_format_fires():
    stage = resource(
        "aws:apigatewayv2/stage:Stage", "s", {"accessLogSettings": {"destinationArn": LOGS["destinationArn"]}}
    )

    assert_violates(run_policy(APIGATEWAY_STAGE_ACCESS_LOGGING, stage), APIGATEWAY_STAGE_ACCESS_LOGGING.name)


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@pytest.mark.parametrize("props", [{}, {"retentionInDays": 0}])
def test_log_group_without_retention_fires(props):
    assert_violates(
        run_policy(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "fn-logs", props)),
        "log-group-retention-set",
        level="advisory",
        contains="retention_in_days",
    )


def test_log_group_with_retention_passes():
    assert_passes(run_policy(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "fn-logs", {"retentionInDays": 14})))


def test_log_group_remediation_sets_the_configured_retention():
    group = resource(LOG_GROUP, "fn-logs", {"name": "/aws/lambda/fn"})
    assert remediate(LOG_GROUP_RETENTION_SET, group) == {"name": "/aws/lambda/fn", "retentionInDays": 30}
    assert remediate(LOG_GROUP_RETENTION_SET, group, {"remediationRetentionDays": 365})["retentionInDays"] == 365
    assert remediate(LOG_GROUP_RETENTION_SET, resource(LOG_GROUP, "g", {"retentionInDays": 7})) is None


def test_the_analyzer_runs_the_remediation_at_level_remediate():
    from google.protobuf import empty_pb2, json_format, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2 as pb
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    from policies.pack import build_policies
    from preview.analysis import configure_request

    servicer = _PolicyAnalyzerServicer("pack", "0.0.1", build_policies(), EnforcementLevel.MANDATORY, None)
    servicer.Configure(
        configure_request(
            servicer.GetAnalyzerInfo(empty_pb2.Empty(), None),
            {"log-group-retention-set": "remediate", "dynamodb-table-protected": "remediate"},
        ),
        None,
    )
    properties = struct_pb2.Struct()
    properties.update({"name": "/aws/lambda/fn"})

    response = servicer.Remediate(
        pb.AnalyzeRequest(
            type=LOG_GROUP, urn="urn:pulumi:dev::p::" + LOG_GROUP + "::g", name="g", properties=properties
        ),
        None,
    )

    [remediation] = response.remediations
    assert remediation.policyName == "log-group-retention-set"
    assert json_format.MessageToDict(remediation.properties) == {"name": "/aws/lambda/fn", "retentionInDays": 30}
