"""Every alarm the program declares passes the AWS provider's own argument rules, which the
mocks do not apply: with metric_queries, no top-level period, namespace, metric name,
statistic or dimensions ("conflicts with metric_query"); without, all of them, and exactly
one of statistic and extended_statistic."""

import pytest

from tests.support.harness import run_stack

SINGLE_METRIC = ("period", "namespace", "metricName")
CONFLICTS_WITH_QUERIES = ("period", "namespace", "metricName", "statistic", "extendedStatistic", "dimensions")


@pytest.fixture(scope="module")
def alarms():
    run = run_stack("dev", {"iam-platform:observability": {"alarmsEnabled": True}})
    return {a["name"]: a["inputs"] for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_every_system_declares_alarms(alarms):
    prefixes = {name.split("-")[0] for name in alarms}
    assert {"tvm", "execution", "verification", "database", "jwks"} <= prefixes


def test_metric_query_alarms_set_nothing_the_provider_refuses_beside_them(alarms):
    with_queries = {name: a for name, a in alarms.items() if a.get("metricQueries")}
    assert "tvm-error-rate-alarm" in with_queries
    for name, alarm in with_queries.items():
        assert [k for k in CONFLICTS_WITH_QUERIES if k in alarm] == [], name
        assert sum(bool(q.get("returnData")) for q in alarm["metricQueries"]) == 1, name


def test_single_metric_alarms_name_their_metric_period_and_one_statistic(alarms):
    for name, alarm in alarms.items():
        if alarm.get("metricQueries"):
            continue
        assert all(alarm.get(k) for k in SINGLE_METRIC), name
        assert ("statistic" in alarm) != ("extendedStatistic" in alarm), name
