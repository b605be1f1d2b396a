"""Fake answers for the data sources (provider functions) the program calls during a preview."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from preview.place import Place
from preview.policy_documents import policy_document


def fake_call(token: str, args: Mapping[str, Any], place: Place) -> dict[str, Any]:
    """Answers for the data sources the program reads."""
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        return policy_document(args)
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "accountId": place.account,
            "arn": f"arn:aws:iam::{place.account}:user/preview",
            "userId": "AIDAPREVIEW",
            "id": place.account,
        }
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"}
    if token == "aws:index/getRegion:getRegion":
        return {
            "name": place.region,
            "region": place.region,
            "id": place.region,
            "endpoint": f"ec2.{place.region}.amazonaws.com",
            "description": place.region,
        }
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
            "names": [f"{place.region}{zone}" for zone in "abc"],
            "id": place.region,
            "zoneIds": [f"{place.region}-az{i}" for i in (1, 2, 3)],
            "groupNames": [place.region],
            "state": args.get("state"),
        }
    return {}
