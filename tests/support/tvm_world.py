"""A TVM in moto: tables, rules documents in SSM, a fixed clock and a spy on AssumeRole.

Used by the TVM and authorizer tests and by bench/tvm.py. Call inside ``mock_aws()``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3

from lambdas.tvm import handler as tvm
from tests.support.constants import ACCOUNT_ID, REGION

ROOT = "/sentinel/policies"
SESSIONS, APPROVALS = "tvm-sessions", "tvm-approvals"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/protected-prod-1a2b3c"
# A Wednesday, 10:00 in Berlin (09:00 UTC).
WEDNESDAY_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

PROD_RULES = {
    "version": 1,
    "role_arn": ROLE_ARN,
    "max_duration": 3600,
    "rules": [
        {"name": "no-interns", "effect": "deny", "users": ["intern-*"]},
        {
            "name": "oncall",
            "effect": "allow",
            "users": ["alice", "ops-*"],
            "time": {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "08:00-18:00", "timezone": "Europe/Berlin"},
            "max_duration": 1800,
        },
        {
            "name": "break-glass",
            "effect": "require_approval",
            "users": ["carol", "alice"],
            "approvers": ["bob", "dave-*"],
        },
    ],
}
DEV_RULES = {
    "version": 1,
    "role_arn": f"arn:aws:iam::{ACCOUNT_ID}:role/protected-dev-9z8y7x",
    "max_duration": 43200,
    "rules": [{"name": "everyone", "effect": "allow", "users": ["*"]}],
}


SSO_ROLE = "AWSReservedSSO_Admin_0123456789abcdef"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/eu-west-1/"


def user_arn(user: str) -> str:
    """A name means an IAM Identity Center session of the Admin permission set; an ARN is sent as it is."""
    if user.startswith("arn:"):
        return user
    return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{SSO_ROLE}/{user}"


def iam_user_arn(name: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role_session_arn(role: str, session: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"


def create_sso_role(iam, name: str = SSO_ROLE, path: str = SSO_PATH) -> None:
    """What IAM Identity Center creates in an account for a permission set (moto lets us make it)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Principal": {
                    "Federated": f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
                },
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))


class Clock:
    def __init__(self, now: datetime = WEDNESDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Answer:
    status: int
    headers: dict
    body: dict
    raw: dict


@dataclass
class World:
    session: Any
    clock: Clock
    assumed: list = field(default_factory=list)  # AssumeRole parameters, as sent
    logs: list = field(default_factory=list)
    ids: int = 0
    tvm: Any = None

    _clients: dict = field(default_factory=dict)

    def client(self, name: str):
        if name not in self._clients:
            self._clients[name] = self.session.client(name, region_name=REGION)
        return self._clients[name]

    @property
    def dynamodb(self):
        return self.client("dynamodb")

    @property
    def ssm(self):
        return self.client("ssm")

    @property
    def iam(self):
        return self.client("iam")

    def new_id(self) -> str:
        self.ids += 1
        return hashlib.md5(f"id-{self.ids}".encode()).hexdigest()

    def restart(self, keep_logs: bool = False) -> None:
        """A fresh handler on this world's session, clock and ids (after a setting changed);
        ``keep_logs`` puts its decision lines in ``logs`` instead of stdout."""
        tvm.reset_state(
            session=self.session,
            clock=self.clock,
            new_id=self.new_id,
            **({"log": self.logs.append} if keep_logs else {}),
        )
        self.tvm = tvm.current_tvm()
        self.tvm.sts.meta.events.register("before-parameter-build.sts.AssumeRole", self._spy)

    def _spy(self, params: dict, **_: Any) -> None:  # the API parameters, before serialisation
        self.assumed.append(dict(params))

    def put_rules(self, profile: str, document: Any) -> None:
        text = document if isinstance(document, str) else json.dumps(document)
        self.ssm.put_parameter(Name=f"{ROOT}/{profile}", Value=text, Type="String", Overwrite=True)

    def event(
        self, method: str, path: str, user: str | None = "alice", query: dict | None = None, body: Any = None
    ) -> dict:
        context: dict = {
            "accountId": ACCOUNT_ID,
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
            },
            "requestId": f"req-{self.ids}",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795597200000,
        }
        if user is not None:
            context["authorizer"] = {
                "iam": {
                    "accessKey": "ASIAEXAMPLE",
                    "accountId": ACCOUNT_ID,
                    "callerId": "AROAEXAMPLE:" + user,
                    "userArn": user_arn(user),
                    "userId": "AROAEXAMPLE:" + user,
                }
            }
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": urlencode(query or {}),
            "headers": {"host": context["domainName"]},
            "requestContext": context,
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = query
        if body is not None:
            event["body"] = body if isinstance(body, str) else json.dumps(body)
        return event

    def call(
        self,
        method: str = "GET",
        path: str = "/",
        user: str | None = "alice",
        query: dict | None = None,
        body: Any = None,
        event: dict | None = None,
    ) -> Answer:
        raw = tvm.handler(event if event is not None else self.event(method, path, user, query, body), None)
        return Answer(raw["statusCode"], raw["headers"], json.loads(raw["body"]), raw)

    def vend(self, profile: str = "prod", user: str = "alice", **fields: Any) -> Answer:
        return self.call("POST", "/", user, body={"profile": profile, **fields})


def build_world(monkeypatch=None, clock: Clock | None = None, session: Any = None, keep_logs: bool = False) -> World:
    """Tables, two profiles (prod, dev), settings in the environment, and a fresh handler.

    Pass one long-lived ``session`` per module: creating clients is most of a test's time.
    ``keep_logs`` puts the decision lines in ``world.logs`` instead of stdout."""
    env = {
        "TVM_PARAMETER_ROOT": ROOT,
        "TVM_SESSION_TABLE": SESSIONS,
        "TVM_APPROVAL_TABLE": APPROVALS,
        "TVM_SOURCE_IDENTITY_PREFIX": "sentinel",
        "TVM_DEFAULT_DURATION_SECONDS": "900",
        "TVM_APPROVAL_TTL_SECONDS": "3600",
        "TVM_RULES_CACHE_SECONDS": "0",
        "TVM_IDENTITIES": "",
    }
    for name, value in env.items():
        if monkeypatch is not None:
            monkeypatch.setenv(name, value)
        else:
            import os

            os.environ[name] = value
    session = session or boto3.session.Session(region_name=REGION)
    world = World(session=session, clock=clock or Clock())
    for table, key in ((SESSIONS, "session_id"), (APPROVALS, "approval_id")):
        world.dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        )
    world.put_rules("prod", PROD_RULES)
    world.put_rules("dev", DEV_RULES)
    create_sso_role(world.iam)

    world.restart(keep_logs=keep_logs)
    return world


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
