"""Hypothesis over event shapes: always a documented JSON answer, never credentials on a refusal."""

from __future__ import annotations

import json
import os

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as label
from hypothesis import strategies as st
from moto import mock_aws

from lambdas.authorizer import handler as authorizer
from lambdas.tvm import handler as tvm
from lambdas.tvm.codes import STATUS
from tests.support.tvm_world import ACCOUNT_ID, build_world, user_arn

CREDENTIAL_KEYS = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
}


@pytest.fixture(scope="module")
def world():
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    try:
        with mock_aws():
            world = build_world(session=boto3.session.Session(region_name="eu-west-1"), keep_logs=True)
            authorizer.reset_state(session=world.session)
            yield world
    finally:
        tvm.reset_state()
        authorizer.reset_state()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
profiles = st.sampled_from(["prod", "dev", "nope", "", "arn:aws:iam::123456789012:role/x", "../prod"]) | st.text(
    max_size=10
)
durations = st.sampled_from([None, 899, 900, 1800, 3600, 43200, 43201, "900", -1, 1.5, True]) | json_values
ids = st.sampled_from(["0" * 32, "f" * 32, "x", ""]) | st.text(max_size=33)
structured = st.fixed_dictionaries({}, optional={"profile": profiles, "duration": durations}).map(json.dumps)
bodies = st.one_of(
    st.none(),
    structured,
    structured,
    structured,
    st.text(max_size=40),
    st.fixed_dictionaries(
        {},
        optional={
            "profile": profiles,
            "duration": durations,
            "approval_id": ids,
            "session_id": ids,
            "role_arn": st.text(max_size=5),
        },
    ).map(json.dumps),
    json_values.map(json.dumps),
)
good_users = st.sampled_from(["alice", "ops-anna", "intern-zoe", "carol", "mallory", "a" * 60, "al:ice"]).map(user_arn)
users = (
    good_users
    | good_users
    | good_users
    | st.sampled_from(
        [
            None,
            "",
            "arn:aws:iam::123456789012:root",
            f"arn:aws:iam::{ACCOUNT_ID}:user/bob",
            "arn:aws:iam::999999999999:user/alice",
            42,
        ]
    )
    | st.text(max_size=30)
)
known_paths = st.sampled_from(["/", "/", "/", "/profiles", "/approvals", "/approvals/" + "0" * 32 + "/approve"])
paths = st.one_of(
    known_paths,
    known_paths,
    known_paths,
    st.sampled_from(["/approvals/x/deny", "/nope", "//", ""]) | st.text(max_size=20),
)
methods = st.one_of(
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(["PUT", "DELETE", "HEAD", None, 7, ["GET"], {"a": 1}]),
)
good_queries = st.fixed_dictionaries({}, optional={"profile": profiles, "duration": durations.map(str)})
queries = (
    st.none()
    | good_queries
    | good_queries
    | st.dictionaries(st.sampled_from(["profile", "duration", "x"]), st.text(max_size=10), max_size=3)
    | json_values
)


routes = st.sampled_from(
    [
        ("GET", "/"),
        ("POST", "/"),
        ("GET", "/profiles"),
        ("POST", "/approvals"),
        ("POST", "/approvals/" + "0" * 32 + "/approve"),
        ("POST", "/approvals/x/deny"),
    ]
)


@st.composite
def events(draw):
    if draw(st.integers(0, 3)):
        method, path = draw(routes)
    else:
        method, path = draw(methods), draw(paths)
    if draw(st.integers(0, 9)) == 0:
        path = draw(st.sampled_from([["/"], {"p": "/"}, None, 3]))
    event = {
        "version": "2.0",
        "rawPath": path,
        "requestContext": {"accountId": ACCOUNT_ID, "requestId": "r", "http": {"method": method, "path": "/"}},
    }
    user = draw(users)
    if user is not None:
        event["requestContext"]["authorizer"] = draw(
            st.sampled_from(
                [
                    {"iam": {"userArn": user}},
                    {"iam": {"userArn": user}},
                    {"iam": {"userArn": user}},
                    {"iam": None},
                    {"jwt": {}},
                    user,
                ]
            )
        )
    event["queryStringParameters"] = draw(queries)
    event["body"] = draw(bodies)
    event["isBase64Encoded"] = draw(st.just(False) | st.just(False) | st.booleans() | json_values)
    if draw(st.integers(0, 4)) == 0:
        del event[draw(st.sampled_from(sorted(event)))]
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events() | json_values)
def test_every_event_gets_a_documented_json_answer(world, event):
    answer = tvm.handler(event, None)
    line = json.loads(world.logs[-1])
    assert not (line["reason"] or "").startswith("unexpected"), line  # no request reaches the catch-all
    assert set(answer) == {"statusCode", "headers", "body", "isBase64Encoded"}
    body = json.loads(answer["body"])
    label(f"{answer['statusCode']} {body.get('error', '')}")
    assert answer["headers"]["Content-Type"] == "application/json"
    if answer["statusCode"] in (200, 201):
        return
    assert set(body) == {"error", "message"}
    assert STATUS[body["error"]] == answer["statusCode"]
    assert not CREDENTIAL_KEYS & set(body) and "X-Sentinel-Session-ID" not in answer["headers"]
    assert "Traceback" not in body["message"] and "/sentinel" not in body["message"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=json_values
    | st.fixed_dictionaries({}, optional={"headers": json_values, "queryStringParameters": json_values})
)
def test_the_authorizer_denies_whatever_it_cannot_read(world, event):
    assert authorizer.handler(event, None) == {"isAuthorized": False}
