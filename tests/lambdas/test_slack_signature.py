"""Slack v0 signatures."""

import hashlib
import hmac

import pytest

from lambdas.verification.slack import SignatureError, sign, verify

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_795_000_000
BODY = b'{"type":"event_callback","event":{"type":"app_mention","text":"hi"}}'


def test_signature_is_hmac_sha256_over_version_timestamp_and_body():
    expected = hmac.new(SECRET.encode(), b"v0:1795000000:" + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, "1795000000", BODY) == "v0=" + expected


def test_valid_request_passes():
    verify(SECRET, str(NOW), BODY, sign(SECRET, str(NOW), BODY), NOW + 299)


@pytest.mark.parametrize("body", [BODY + b" ", BODY.replace(b"hi", b"ho"), b""])
def test_tampered_body_is_refused(body):
    with pytest.raises(SignatureError) as caught:
        verify(SECRET, str(NOW), body, sign(SECRET, str(NOW), BODY), NOW)
    assert caught.value.code == "BAD_SIGNATURE"


def test_wrong_secret_and_replayed_timestamp_are_refused():
    for signature, timestamp in (
        (sign("other", str(NOW), BODY), str(NOW)),
        (sign(SECRET, str(NOW), BODY), str(NOW + 1)),
    ):
        with pytest.raises(SignatureError) as caught:
            verify(SECRET, timestamp, BODY, signature, NOW)
        assert caught.value.code == "BAD_SIGNATURE"


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_stale_or_future_timestamp_is_refused(age):
    with pytest.raises(SignatureError) as caught:
        verify(SECRET, str(NOW), BODY, sign(SECRET, str(NOW), BODY), NOW + age)
    assert caught.value.code == "STALE_REQUEST"


@pytest.mark.parametrize(
    "timestamp,signature,code",
    [
        (None, "v0=abc", "MISSING_SIGNATURE"),
        (str(NOW), None, "MISSING_SIGNATURE"),
        ("", "", "MISSING_SIGNATURE"),
        ("17e8", "v0=abc", "BAD_TIMESTAMP"),
        ("-5", "v0=abc", "BAD_TIMESTAMP"),
        ("١٢٣", "v0=abc", "BAD_TIMESTAMP"),
    ],
)
def test_missing_or_malformed_headers(timestamp, signature, code):
    with pytest.raises(SignatureError) as caught:
        verify(SECRET, timestamp, BODY, signature, NOW)
    assert caught.value.code == code


def test_non_ascii_signature_is_refused_not_crashing():
    with pytest.raises(SignatureError):
        verify(SECRET, str(NOW), BODY, "v0=é", NOW)
