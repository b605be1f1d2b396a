"""components/alarms.py: the checks the provider would only make at deploy time."""

import pytest

from components.alarms import Metric, lambda_metric, metric_alarm


def test_a_metric_takes_exactly_one_statistic():
    with pytest.raises(ValueError, match="exactly one of statistic and extended_statistic"):
        Metric("Errors", statistic="Sum", extended_statistic="p99")
    with pytest.raises(ValueError, match="exactly one"):
        Metric("Errors")
    assert lambda_metric("Duration", "fn", extended_statistic="p99").statistic is None


@pytest.mark.parametrize("given", [{}, {"metric": lambda_metric("Errors", "fn"), "queries": ["q"]}])
def test_an_alarm_takes_a_metric_or_queries_never_both_or_neither(given):
    with pytest.raises(ValueError, match="either a metric or metric queries"):
        metric_alarm("x-alarm", "x", 1, platform=None, parent=None, **given)
