"""The JWKS handler with HTTP API v2 events, against Secrets Manager in moto."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.jwks import handler as jwks
from lambdas.jwks.keys import PRIVATE_MEMBERS
from lambdas.jwks.secret_store import KeyFetchError, fetch_public_keys
from tests.support.constants import ACCOUNT_ID, REGION

SECRET_NAME = "iam-platform/dev/jwks/public-keys"
OKP_KEY = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "okp-1"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(autouse=True)
def jwks_env(aws_env, monkeypatch, clock):
    monkeypatch.setenv("JWKS_SECRET_ID", SECRET_NAME)
    monkeypatch.setenv("JWKS_CACHE_TTL_SECONDS", "600")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "jwks")
    monkeypatch.delenv("JWKS_FALLBACK_KEYS", raising=False)
    jwks.reset_state(clock=clock)
    yield
    jwks.reset_state()


@pytest.fixture
def secrets():
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def call(http_api_event, lambda_context):
    """Invokes the handler and returns (status, headers, raw body, parsed body)."""

    def invoke(method: str = "GET", path: str = "/.well-known/jwks.json", stage: str = "$default"):
        response = jwks.handler(http_api_event(method, path, stage), lambda_context)
        return response["statusCode"], response["headers"], response["body"], json.loads(response["body"])

    return invoke


def _put_keyed(secrets, *public_keys: dict) -> None:
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps({key["kid"]: key for key in public_keys}))


def _logged(caplog) -> str:
    return "\n".join(str(vars(record)) for record in caplog.records)


def _error_codes(caplog) -> list[str]:
    return [record.error_code for record in caplog.records if hasattr(record, "error_code")]


def test_first_request_serves_keys_from_aws_with_caching_headers(secrets, call, rsa_jwk):
    _put_keyed(secrets, rsa_jwk("rsa-b")[1], rsa_jwk("rsa-a")[1])

    status, headers, _, body = call()

    assert status == 200
    assert headers["X-JWKS-Source"] == "aws"
    assert headers["Cache-Control"] == "public, max-age=600"
    assert headers["Content-Type"] == "application/json"
    assert body == {"keys": [rsa_jwk("rsa-a")[1], rsa_jwk("rsa-b")[1]]}


def test_jwks_shaped_secret_is_served(secrets, call, rsa_jwk):
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps({"keys": [OKP_KEY, rsa_jwk("rsa-a")[1]]}))

    status, headers, _, body = call()

    assert (status, headers["X-JWKS-Source"]) == (200, "aws")
    assert body == {"keys": [OKP_KEY, rsa_jwk("rsa-a")[1]]}


def test_empty_key_set_as_a_new_stack_seeds_it_is_served_as_is(secrets, call, monkeypatch, rsa_jwk):
    monkeypatch.setenv("JWKS_FALLBACK_KEYS", json.dumps({"keys": [rsa_jwk("fallback-1")[1]]}))
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps({"keys": []}))

    status, headers, _, body = call()

    assert (status, headers["X-JWKS-Source"], body) == (200, "aws", {"keys": []})


def test_secret_whose_every_key_is_dropped_counts_as_a_failure(secrets, call, clock, rsa_jwk, caplog):
    _put_keyed(secrets, rsa_jwk("good")[1])
    call()
    only_symmetric = json.dumps({"hmac": {"kty": "oct", "k": "c2Vj"}})
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString=only_symmetric)
    clock.advance(600)

    with caplog.at_level(logging.WARNING):
        _, headers, _, body = call()

    assert headers["X-JWKS-Source"] == "stale"
    assert [key["kid"] for key in body["keys"]] == ["good"]
    assert _error_codes(caplog) == ["NO_USABLE_KEYS"]


def test_keys_come_from_cache_until_the_ttl_expires(secrets, call, clock, rsa_jwk):
    _put_keyed(secrets, rsa_jwk("old")[1])
    call()
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString=json.dumps({"new": rsa_jwk("new")[1]}))

    clock.advance(599)
    _, cached_headers, _, cached_body = call()
    clock.advance(1)
    _, refreshed_headers, _, refreshed_body = call()

    assert cached_headers["X-JWKS-Source"] == "cache"
    assert cached_headers["Cache-Control"] == "public, max-age=600"
    assert [key["kid"] for key in cached_body["keys"]] == ["old"]
    assert refreshed_headers["X-JWKS-Source"] == "aws"
    assert [key["kid"] for key in refreshed_body["keys"]] == ["new"]


def test_ttl_comes_from_the_environment(secrets, call, clock, monkeypatch):
    monkeypatch.setenv("JWKS_CACHE_TTL_SECONDS", "30")
    _put_keyed(secrets, OKP_KEY)

    _, first, _, _ = call()
    clock.advance(30)
    _, second, _, _ = call()

    assert first["Cache-Control"] == "public, max-age=30"
    assert second["X-JWKS-Source"] == "aws"


def test_rotated_secret_serves_the_version_now_labelled_awscurrent(secrets, call, clock, rsa_jwk):
    _put_keyed(secrets, rsa_jwk("before")[1])
    stages_by_version = secrets.describe_secret(SecretId=SECRET_NAME)["VersionIdsToStages"]
    (old_version_id,) = [v for v, stages in stages_by_version.items() if "AWSCURRENT" in stages]
    new_version_id = secrets.put_secret_value(
        SecretId=SECRET_NAME,
        SecretString=json.dumps({"after": rsa_jwk("after")[1]}),
        VersionStages=["AWSPENDING"],
    )["VersionId"]
    call()
    secrets.update_secret_version_stage(
        SecretId=SECRET_NAME,
        VersionStage="AWSCURRENT",
        MoveToVersionId=new_version_id,
        RemoveFromVersionId=old_version_id,
    )

    clock.advance(600)
    _, headers, _, body = call()

    assert headers["X-JWKS-Source"] == "aws"
    assert [key["kid"] for key in body["keys"]] == ["after"]


def test_failed_refresh_serves_last_good_keys_as_stale_and_keeps_them(secrets, call, clock, rsa_jwk, caplog):
    _put_keyed(secrets, rsa_jwk("good")[1])
    _, _, _, good_body = call()
    secrets.delete_secret(SecretId=SECRET_NAME, ForceDeleteWithoutRecovery=True)
    clock.advance(600)

    with caplog.at_level(logging.WARNING):
        status, headers, raw_body, body = call()
        clock.advance(3600)
        _, later_headers, _, later_body = call()

    assert status == 200
    assert headers["X-JWKS-Source"] == later_headers["X-JWKS-Source"] == "stale"
    assert headers["Cache-Control"] == "public, max-age=60"
    assert body == later_body == good_body
    assert _error_codes(caplog) == ["ResourceNotFoundException", "ResourceNotFoundException"]
    for leak in (SECRET_NAME, ACCOUNT_ID, "arn:aws"):
        assert leak not in _logged(caplog)
        assert leak not in raw_body


def test_recovery_after_stale_fetches_from_aws_again(secrets, call, clock, rsa_jwk):
    _put_keyed(secrets, rsa_jwk("good")[1])
    call()
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString="{ broken")
    clock.advance(600)
    _, stale_headers, _, _ = call()
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString=json.dumps({"next": rsa_jwk("next")[1]}))

    _, headers, _, body = call()

    assert stale_headers["X-JWKS-Source"] == "stale"
    assert headers["X-JWKS-Source"] == "aws"
    assert [key["kid"] for key in body["keys"]] == ["next"]


@pytest.mark.parametrize(
    "broken", ["[" * 50_000 + "]" * 50_000, '{"keys": [{"kid": "a", "kty": "RSA", "n": "x", "e": "AQAB", "ext": NaN}]}']
)
def test_deeply_nested_or_non_strict_secret_serves_the_last_good_keys(secrets, call, clock, rsa_jwk, broken):
    _put_keyed(secrets, rsa_jwk("good")[1])
    _, _, _, good_body = call()
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString=broken)
    clock.advance(600)

    status, headers, raw_body, body = call()

    assert (status, headers["X-JWKS-Source"], body) == (200, "stale", good_body)
    assert "NaN" not in raw_body
    json.loads(raw_body, parse_constant=lambda name: pytest.fail(f"{name} served"))


def test_stale_max_age_is_never_longer_than_the_ttl(secrets, call, clock, monkeypatch):
    monkeypatch.setenv("JWKS_CACHE_TTL_SECONDS", "20")
    _put_keyed(secrets, OKP_KEY)
    call()
    secrets.put_secret_value(SecretId=SECRET_NAME, SecretString="[]")
    clock.advance(20)

    _, headers, _, _ = call()

    assert headers["X-JWKS-Source"] == "stale"
    assert headers["Cache-Control"] == "public, max-age=20"


def test_secret_that_is_not_json_and_no_last_good_keys_gives_503(secrets, call, caplog):
    secrets.create_secret(Name=SECRET_NAME, SecretString="-----BEGIN PUBLIC KEY-----")

    with caplog.at_level(logging.WARNING):
        status, headers, _, body = call()

    assert status == 503
    assert body["error"] == "KEYS_UNAVAILABLE"
    assert headers["Cache-Control"] == "no-store"
    assert "X-JWKS-Source" not in headers
    assert _error_codes(caplog) == ["NOT_JSON"]


def test_missing_secret_without_fallback_gives_503_that_leaks_nothing(secrets, call):
    status, headers, raw_body, body = call()

    assert status == 503
    assert set(body) == {"error", "message"}
    assert body["error"] == "KEYS_UNAVAILABLE"
    assert headers == {"Content-Type": "application/json", "Cache-Control": "no-store"}
    for leak in (SECRET_NAME, ACCOUNT_ID, "arn:", "ResourceNotFound", "Traceback"):
        assert leak not in raw_body


@pytest.mark.parametrize("shape", ["jwks", "keyed"])
def test_missing_secret_serves_configured_fallback_keys(secrets, call, monkeypatch, rsa_jwk, shape):
    public = rsa_jwk("fallback-1")[1]
    document = {"keys": [public]} if shape == "jwks" else {"fallback-1": public}
    monkeypatch.setenv("JWKS_FALLBACK_KEYS", json.dumps(document))

    status, headers, _, body = call()

    assert status == 200
    assert headers["X-JWKS-Source"] == "fallback"
    assert headers["Cache-Control"] == "public, max-age=60"
    assert body == {"keys": [public]}


def test_last_good_keys_win_over_fallback_keys(secrets, call, clock, monkeypatch, rsa_jwk):
    monkeypatch.setenv("JWKS_FALLBACK_KEYS", json.dumps({"keys": [rsa_jwk("fallback-1")[1]]}))
    _put_keyed(secrets, rsa_jwk("good")[1])
    call()
    secrets.delete_secret(SecretId=SECRET_NAME, ForceDeleteWithoutRecovery=True)
    clock.advance(600)

    _, headers, _, body = call()

    assert headers["X-JWKS-Source"] == "stale"
    assert [key["kid"] for key in body["keys"]] == ["good"]


def test_fallback_keys_are_sanitised_too(secrets, call, monkeypatch, rsa_jwk):
    private, public = rsa_jwk("fallback-private")
    monkeypatch.setenv("JWKS_FALLBACK_KEYS", json.dumps({"keys": [private]}))

    _, headers, _, body = call()

    assert headers["X-JWKS-Source"] == "fallback"
    assert body == {"keys": [public]}


def test_unusable_fallback_setting_is_ignored_and_logged(secrets, call, monkeypatch, caplog):
    monkeypatch.setenv("JWKS_FALLBACK_KEYS", "not json")

    with caplog.at_level(logging.ERROR):
        status, _, _, _ = call()

    assert status == 503
    assert "NOT_JSON" in _error_codes(caplog)


def test_full_private_rsa_key_in_the_secret_is_never_served(secrets, call, rsa_jwk, caplog):
    private, public = rsa_jwk("leaky")
    _put_keyed(secrets, private, OKP_KEY)

    with caplog.at_level(logging.ERROR):
        status, _, raw_body, body = call()

    assert status == 200
    assert body == {"keys": [public, OKP_KEY]}  # sorted by kid: "leaky" < "okp-1"
    for key in body["keys"]:
        assert not PRIVATE_MEMBERS & key.keys()
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert private[member] not in raw_body
        assert private[member] not in _logged(caplog)
    assert [record.kid for record in caplog.records if record.levelno == logging.ERROR] == ["leaky"]


def test_symmetric_and_malformed_keys_are_left_out_of_the_response(secrets, call, rsa_jwk):
    secrets.create_secret(
        Name=SECRET_NAME,
        SecretString=json.dumps(
            {
                "keys": [
                    {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0LXNlY3JldA"},
                    {"kty": "RSA", "kid": "no-modulus", "e": "AQAB"},
                    {"kty": "EC", "kid": "no-y", "crv": "P-256", "x": "abc"},
                    "garbage",
                    rsa_jwk("good")[1],
                ]
            }
        ),
    )

    _, _, raw_body, body = call()

    assert body == {"keys": [rsa_jwk("good")[1]]}
    assert "c2VjcmV0LXNlY3JldA" not in raw_body


def test_binary_secret_is_treated_as_unusable(secrets, call, caplog):
    secrets.create_secret(Name=SECRET_NAME, SecretBinary=b'{"keys": []}')

    with caplog.at_level(logging.WARNING):
        status, _, _, _ = call()

    assert status == 503
    assert _error_codes(caplog) == ["SECRET_NOT_TEXT"]


def test_access_denied_is_logged_by_code_only(call, clock, monkeypatch, caplog):
    denial = f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/jwks/fn is not authorized on {SECRET_NAME}"
    client = boto3.client("secretsmanager", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_client_error(
        "get_secret_value",
        service_error_code="AccessDeniedException",
        service_message=denial,
        http_status_code=400,
        expected_params={"SecretId": SECRET_NAME, "VersionStage": "AWSCURRENT"},
    )
    jwks.reset_state(clock=clock, client=client)

    with stubber, caplog.at_level(logging.WARNING):
        status, _, raw_body, _ = call()

    stubber.assert_no_pending_responses()
    assert status == 503
    assert _error_codes(caplog) == ["AccessDeniedException"]
    assert "not authorized" not in _logged(caplog) + raw_body


def test_connection_failure_becomes_a_fetch_error_with_its_class_name():
    class UnreachableSecretsManager:
        def get_secret_value(self, **_):
            raise EndpointConnectionError(endpoint_url=f"https://secretsmanager.{REGION}.amazonaws.com/")

    with pytest.raises(KeyFetchError) as raised:
        fetch_public_keys(UnreachableSecretsManager(), SECRET_NAME)

    assert raised.value.code == "EndpointConnectionError"


@pytest.mark.parametrize("path", ["/", "/.well-known/openid-configuration", "/.well-known/jwks.json/x", "/jwks.json"])
def test_other_paths_are_not_found(secrets, call, path):
    status, _, _, body = call(path=path)

    assert status == 404
    assert body["error"] == "NOT_FOUND"


@pytest.mark.parametrize("method", ["POST", "DELETE", "HEAD"])
def test_other_methods_are_not_allowed(secrets, call, method):
    status, headers, _, body = call(method=method)

    assert status == 405
    assert body["error"] == "METHOD_NOT_ALLOWED"
    assert headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        (None, 404, "NOT_FOUND"),
        ([], 404, "NOT_FOUND"),
        ({}, 404, "NOT_FOUND"),
        ("GET", 404, "NOT_FOUND"),
        ({"rawPath": 5, "requestContext": {"http": {"method": "GET"}}}, 404, "NOT_FOUND"),
        ({"rawPath": "/.well-known/jwks.json"}, 405, "METHOD_NOT_ALLOWED"),
        ({"rawPath": "/.well-known/jwks.json", "requestContext": None}, 405, "METHOD_NOT_ALLOWED"),
        ({"rawPath": "/.well-known/jwks.json", "requestContext": {"stage": "$default"}}, 405, "METHOD_NOT_ALLOWED"),
        (
            {"rawPath": "/.well-known/jwks.json", "requestContext": {"stage": "$default", "http": "GET"}},
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            {"rawPath": "/.well-known/jwks.json", "requestContext": {"stage": 7, "http": {"method": None}}},
            405,
            "METHOD_NOT_ALLOWED",
        ),
    ],
)
def test_any_event_shape_gets_a_json_4xx(secrets, lambda_context, event, status, code):
    response = jwks.handler(event, lambda_context)

    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"] == code


def test_named_stage_prefix_is_ignored_when_routing(secrets, call):
    _put_keyed(secrets, OKP_KEY)

    status, _, _, body = call(stage="prod")

    assert status == 200
    assert body == {"keys": [OKP_KEY]}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("JWKS_SECRET_ID", None),
        ("JWKS_SECRET_ID", "  "),
        ("JWKS_CACHE_TTL_SECONDS", "ten"),
        ("JWKS_CACHE_TTL_SECONDS", "-1"),
        ("JWKS_CACHE_TTL_SECONDS", "²"),
        ("JWKS_CACHE_TTL_SECONDS", "9" * 5000),
    ],
)
def test_bad_settings_give_500_and_name_the_variable_in_the_log(secrets, call, monkeypatch, caplog, variable, value):
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)

    with caplog.at_level(logging.ERROR):
        status, _, _, body = call()

    assert status == 500
    assert body["error"] == "MISCONFIGURED"
    assert variable in next(record.problem for record in caplog.records if hasattr(record, "problem"))


def test_default_ttl_is_600_seconds(monkeypatch):
    monkeypatch.delenv("JWKS_CACHE_TTL_SECONDS")

    assert jwks.load_settings().ttl_seconds == 600
