"""python -m preview.cost STACK [STACK ...] [--format text|markdown|json]

What each stack costs a month while idle: the resources its program declares (the offline
preview's records), priced from the fixed list prices in ``preview/prices.py``. Usage-priced
charges (requests, storage, data) are named and left out. Exit 0, or 2 with one line per problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from preview import prices
from preview.prices import HOURS_PER_MONTH, Price
from preview.stack_command import Records, main_of, parser

COMMAND = "preview.cost"


@dataclass(frozen=True)
class Line:
    """One priced item of one resource: ``quantity`` units of ``price`` a month."""

    item: str
    price: Price
    quantity: float
    resource: str

    @property
    def monthly(self) -> float:
        return self.price.usd * self.quantity


def _aurora(record: dict[str, Any], records: Records) -> Iterable[Line]:
    inputs = record["inputs"]
    if inputs.get("instanceClass") != "db.serverless":
        raise ValueError(f"{record['name']}: instance class {inputs.get('instanceClass')!r} is not priced")
    cluster = next(
        r for r in records if r["type"] == "aws:rds/cluster:Cluster" and r["id"] == inputs.get("clusterIdentifier")
    )
    minimum = cluster["inputs"]["serverlessv2ScalingConfiguration"]["minCapacity"]
    yield Line(
        "Aurora Serverless v2 instances at minimum capacity",
        prices.AURORA_ACU_HOUR,
        minimum * HOURS_PER_MONTH,
        record["name"],
    )


def _endpoint(record: dict[str, Any], records: Records) -> Iterable[Line]:
    if record["inputs"].get("vpcEndpointType") == "Interface":
        zones = len(record["inputs"].get("subnetIds") or [])
        yield Line("VPC interface endpoints", prices.ENDPOINT_AZ_HOUR, zones * HOURS_PER_MONTH, record["name"])


def _key(record: dict[str, Any], records: Records) -> Iterable[Line]:
    yield Line("KMS customer-managed keys", prices.KMS_KEY_MONTH, 1, record["name"])


def _secret(record: dict[str, Any], records: Records) -> Iterable[Line]:
    yield Line("Secrets Manager secrets", prices.SECRET_MONTH, 1, record["name"])


def _alarm(record: dict[str, Any], records: Records) -> Iterable[Line]:
    inputs = record["inputs"]
    metrics = 1 if inputs.get("metricName") else sum(1 for q in inputs.get("metricQueries") or () if q.get("metric"))
    high_resolution = (inputs.get("period") or 60) < 60
    price = prices.ALARM_HIGH_RES_METRIC_MONTH if high_resolution else prices.ALARM_METRIC_MONTH
    yield Line("CloudWatch alarm metrics", price, metrics, record["name"])


def _parameter(record: dict[str, Any], records: Records) -> Iterable[Line]:
    if record["inputs"].get("tier") == "Advanced":
        yield Line("SSM advanced parameters", prices.ADVANCED_PARAMETER_MONTH, 1, record["name"])


def _table(record: dict[str, Any], records: Records) -> Iterable[Line]:
    if record["inputs"].get("billingMode", "PROVISIONED") != "PAY_PER_REQUEST":
        raise ValueError(f"{record['name']}: provisioned DynamoDB capacity is not priced")
    return ()


_ITEMS: dict[str, Callable[[dict[str, Any], Records], Iterable[Line]]] = {
    "aws:rds/clusterInstance:ClusterInstance": _aurora,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:kms/key:Key": _key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:dynamodb/table:Table": _table,
}


@dataclass(frozen=True)
class StackCost:
    stack: str
    lines: tuple[Line, ...]
    usage_priced: tuple[str, ...]  # resource types present whose charges are left out
    unknown: tuple[str, ...]  # resource types in no table: the estimate is incomplete

    @property
    def monthly(self) -> float:
        return sum(line.monthly for line in self.lines)


def stack_cost(stack: str, records: Records) -> StackCost:
    """Price one stack's custom resources; types the tables do not know are listed, not guessed."""
    lines: list[Line] = []
    usage: set[str] = set()
    unknown: set[str] = set()
    for record in (r for r in records if r["custom"]):
        type_ = record["type"]
        if type_ in _ITEMS:
            lines += _ITEMS[type_](record, records)
        if type_ in prices.USAGE_PRICED:
            usage.add(type_)
        if type_ not in _ITEMS and type_ not in prices.USAGE_PRICED and type_ not in prices.FREE:
            unknown.add(type_)
    return StackCost(stack, tuple(lines), tuple(sorted(usage)), tuple(sorted(unknown)))


def _grouped(cost: StackCost) -> dict[str, tuple[Price, float, float, int]]:
    """item -> (price, quantity, monthly, resources)."""
    groups: dict[str, tuple[Price, float, float, int]] = {}
    for line in cost.lines:
        price, quantity, monthly, count = groups.get(line.item, (line.price, 0.0, 0.0, 0))
        groups[line.item] = (price, quantity + line.quantity, monthly + line.monthly, count + 1)
    return groups


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def render_text(costs: Sequence[StackCost]) -> str:
    out = []
    for cost in costs:
        out.append(
            f"{cost.stack}: about ${cost.monthly:.2f} a month idle "
            f"(us-east-1 list prices, {prices.PRICES_CHECKED}; usage-priced charges left out)"
        )
        for item, (price, quantity, monthly, count) in sorted(_grouped(cost).items()):
            out.append(
                f"  {item}: {_number(quantity)} x ${price.usd:.2f} per {price.unit} = ${monthly:.2f} "
                f"({count} resource{'s' if count != 1 else ''})"
            )
        if cost.usage_priced:
            out.append(f"  usage-priced, left out: {', '.join(t.split(':')[-1] for t in cost.usage_priced)}")
        if cost.unknown:
            out.append(f"  NOT PRICED (no entry in preview/prices.py): {', '.join(cost.unknown)}")
    return "\n".join(out) + "\n"


def render_markdown(costs: Sequence[StackCost]) -> str:
    groups = {cost.stack: _grouped(cost) for cost in costs}
    items = sorted({item for grouped in groups.values() for item in grouped})
    unit = {item: price for grouped in groups.values() for item, (price, *_rest) in grouped.items()}
    sources = sorted({price.source for price in unit.values()})
    out = [
        "| item | price (us-east-1, " + prices.PRICES_CHECKED + ") | " + " | ".join(groups) + " |",
        "|---|---|" + "---:|" * len(groups),
    ]
    for item in items:
        cells = []
        for grouped in groups.values():
            if item in grouped:
                _, quantity, monthly, _ = grouped[item]
                cells.append(f"${monthly:.2f} ({_number(quantity)} {unit[item].counted})")
            else:
                cells.append("-")
        out.append(f"| {item} | ${unit[item].usd:.2f} per {unit[item].unit} | " + " | ".join(cells) + " |")
    out.append("| **idle month** | | " + " | ".join(f"**${c.monthly:.2f}**" for c in costs) + " |")
    out += ["", "Prices: " + ", ".join(sources) + "."]
    return "\n".join(out) + "\n"


def render_json(costs: Sequence[StackCost]) -> str:
    return (
        json.dumps(
            {
                c.stack: {
                    "monthlyUsd": round(c.monthly, 2),
                    "lines": [
                        {
                            "item": line.item,
                            "resource": line.resource,
                            "quantity": line.quantity,
                            "unitUsd": line.price.usd,
                            "unit": line.price.unit,
                            "source": line.price.source,
                            "monthlyUsd": round(line.monthly, 4),
                        }
                        for line in c.lines
                    ],
                    "usagePricedTypes": list(c.usage_priced),
                    "unpricedTypes": list(c.unknown),
                }
                for c in costs
            },
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )


_RENDER = {"text": render_text, "markdown": render_markdown, "json": render_json}


def _produce(records: dict[str, Records], args: argparse.Namespace) -> str:
    return _RENDER[args.format]([stack_cost(stack, recs) for stack, recs in records.items()])


def main(argv: Sequence[str] | None = None) -> int:
    command_parser = parser("python -m preview.cost", COMMAND, __doc__.split("\n\n")[1].replace("\n", " "))
    command_parser.add_argument("--format", choices=tuple(_RENDER), default="text")
    return main_of(argv, command_parser, COMMAND, _produce)


if __name__ == "__main__":
    sys.exit(main())
