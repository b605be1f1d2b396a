"""lambdas/common/events.py: one fail-closed view of an HTTP API / Function URL event."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.common.events import HttpRequest, UnreadableBody
from tests.support.events import load_event
from tests.support.imports import assert_imports_leave_out

SAMPLE = load_event("http_api_v2_iam")


def sample(**changes) -> dict:
    event = copy.deepcopy(SAMPLE)
    event.update(changes)
    return event


def test_the_sample_event_reads_field_by_field():
    request = HttpRequest.of(sample())
    assert (request.method, request.path) == ("GET", "/profiles")
    assert request.headers["x-sentinel-session-id"] == "0123456789abcdef0123456789abcdef"
    assert "Host" not in request.headers and request.headers["host"].startswith("abc123.")
    assert request.caller_arn == "arn:aws:iam::123456789012:user/alice"
    assert (request.account_id, request.request_id) == ("123456789012", "JKJaXmPLvHcESHA=")
    assert request.body() == b'{"profile": "prod"}'
    assert request.query is None and request.raw_query == ""


def test_a_named_stage_is_not_part_of_the_path():
    event = sample(rawPath="/prod/profiles")
    event["requestContext"]["stage"] = "prod"
    assert HttpRequest.of(event).path == "/profiles"


def test_an_event_without_raw_path_falls_back_to_the_http_path():
    event = sample()
    del event["rawPath"]
    assert HttpRequest.of(event).path == "/profiles"


@pytest.mark.parametrize("body, encoded", [(7, False), (["x"], False), ("not base64!", True)])
def test_an_unreadable_body_raises_rather_than_reading_as_empty(body, encoded):
    request = HttpRequest.of(sample(body=body, isBase64Encoded=encoded))
    with pytest.raises(UnreadableBody) as caught:
        request.body()
    assert (caught.value.code, caught.value.status) == ("UNREADABLE_BODY", 400)


def test_absent_parts_are_none():
    request = HttpRequest.of({})
    assert request == HttpRequest() and request.body() is None and request.headers == {}
    assert HttpRequest.of("not an event") is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
keys = st.sampled_from(
    ["rawPath", "headers", "queryStringParameters", "rawQueryString", "requestContext", "body", "isBase64Encoded"]
)


@given(event=json_values | st.dictionaries(keys, json_values))
def test_any_shape_gives_typed_fields_or_none(event):
    request = HttpRequest.of(event)
    if request is None:
        return
    for value in (
        request.method,
        request.path,
        request.raw_query,
        request.caller_arn,
        request.account_id,
        request.request_id,
    ):
        assert value is None or isinstance(value, str)
    assert all(isinstance(k, str) and k == k.lower() and isinstance(v, str) for k, v in request.headers.items())
    try:
        assert request.body() is None or isinstance(request.body(), bytes)
    except UnreadableBody:
        pass


def test_the_view_adds_no_powertools_import_to_the_tvm_and_the_authorizer():
    assert_imports_leave_out(("lambdas.tvm.handler", "lambdas.authorizer.handler"), ("aws_lambda_powertools",))
