"""One builder for every CloudWatch metric alarm the systems declare.

Each alarm watches one metric (``Metric``) or a metric-math expression over metric queries
(``query``, ``expression``), evaluates one period, treats missing data as not breaching and
notifies the platform's alarm topic both when it fires and when it clears. The provider
refuses a top-level period, namespace, metric name, statistic or dimensions beside metric
queries, so those travel inside each query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.platform import Platform

LAMBDA_NAMESPACE = "AWS/Lambda"
AT_LEAST = "GreaterThanOrEqualToThreshold"
ABOVE = "GreaterThanThreshold"
# No data means nothing ran, which is not a failure: an idle function never alarms.
MISSING_DATA = "notBreaching"


@dataclass(frozen=True)
class Metric:
    """One metric and how it is aggregated: a ``statistic`` (Sum, Maximum) or an
    ``extended_statistic`` (p99), exactly one of them."""

    name: str
    dimensions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    namespace: str = LAMBDA_NAMESPACE
    statistic: str | None = None
    extended_statistic: str | None = None

    def __post_init__(self) -> None:
        if (self.statistic is None) == (self.extended_statistic is None):
            raise ValueError(f"metric {self.name}: give exactly one of statistic and extended_statistic")

    @property
    def stat(self) -> str:
        """The aggregation, as a metric query names it (``Sum``, ``p99``)."""
        return self.statistic or self.extended_statistic or ""


def lambda_metric(
    name: str, function_name: pulumi.Input[str], statistic: str | None = "Sum", extended_statistic: str | None = None
) -> Metric:
    """A metric of one Lambda function (namespace AWS/Lambda, dimension FunctionName)."""
    return Metric(
        name,
        {"FunctionName": function_name},
        statistic=None if extended_statistic else statistic,
        extended_statistic=extended_statistic,
    )


def query(id_: str, metric: Metric, period: int) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """``metric`` as one input of a metric-math alarm, referred to by ``id_``."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=id_,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=metric.namespace,
            metric_name=metric.name,
            dimensions=dict(metric.dimensions),
            period=period,
            stat=metric.stat,
        ),
    )


def expression(id_: str, formula: str, label: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """The metric-math expression whose value the alarm compares with its threshold."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(id=id_, expression=formula, label=label, return_data=True)


def metric_alarm(
    resource_name: str,
    description: str,
    threshold: float,
    platform: Platform,
    parent: pulumi.Resource,
    metric: Metric | None = None,
    period: int = 300,
    queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs] = (),
    comparison: str = AT_LEAST,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm on ``metric`` over ``period`` seconds, or on ``queries`` (each with its own period)."""
    if (metric is None) == (not queries):
        raise ValueError(f"alarm {resource_name}: give either a metric or metric queries")
    actions = platform.alarm_actions()
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        alarm_description=description,
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=1,
        treat_missing_data=MISSING_DATA,
        alarm_actions=actions,
        ok_actions=actions,
        namespace=metric.namespace if metric else None,
        metric_name=metric.name if metric else None,
        dimensions=dict(metric.dimensions) if metric else None,
        statistic=metric.statistic if metric else None,
        extended_statistic=metric.extended_statistic if metric else None,
        period=period if metric else None,
        metric_queries=list(queries) or None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
