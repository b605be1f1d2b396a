"""The key document parser and the sanitiser, called directly."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.jwks.keys import (
    PRIVATE_MEMBERS,
    KeyDocumentError,
    load_public_keys,
    parse_key_document,
    sanitise_key,
    sanitise_keys,
)

EC_PUBLIC = {
    "kty": "EC",
    "crv": "P-256",
    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
}
OKP_PUBLIC = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}


def _records(caplog, level: int) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno == level]


def test_keyed_document_uses_object_key_as_missing_kid_and_sorts_by_kid(rsa_jwk):
    _, public_b = rsa_jwk("b-key")
    public_a_without_kid = {k: v for k, v in rsa_jwk("a-key")[1].items() if k != "kid"}
    document = {"b-key": public_b, "a-key": public_a_without_kid}

    keys = load_public_keys(json.dumps(document))

    assert [key["kid"] for key in keys] == ["a-key", "b-key"]
    assert keys[0] == {**public_a_without_kid, "kid": "a-key"}
    assert keys[1] == public_b


def test_keyed_document_keeps_a_key_s_own_kid():
    document = {"label": {**EC_PUBLIC, "kid": "own-kid"}}

    assert [key["kid"] for key in load_public_keys(json.dumps(document))] == ["own-kid"]


def test_jwks_document_is_read_and_sorted(rsa_jwk):
    keys_in = [{**OKP_PUBLIC, "kid": "z"}, rsa_jwk("m")[1], {**EC_PUBLIC, "kid": "a"}]

    keys = load_public_keys(json.dumps({"keys": keys_in}))

    assert [key["kid"] for key in keys] == ["a", "m", "z"]
    assert keys[1] == rsa_jwk("m")[1]


def test_private_rsa_key_is_reduced_to_its_public_half_and_logged_without_values(rsa_jwk, caplog):
    private, public = rsa_jwk("signing-1")

    with caplog.at_level(logging.INFO):
        keys = load_public_keys(json.dumps({"keys": [private]}))

    assert keys == [public]
    errors = _records(caplog, logging.ERROR)
    assert len(errors) == 1
    assert errors[0].kid == "signing-1"
    assert errors[0].removed_members == ["d", "dp", "dq", "p", "q", "qi"]
    logged = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert private[member] not in logged


def test_oth_member_is_removed():
    key = {**EC_PUBLIC, "kid": "ec", "d": "secret-d", "oth": [{"r": "x", "d": "y", "t": "z"}]}

    assert sanitise_key(key) == {**EC_PUBLIC, "kid": "ec"}


def test_symmetric_key_is_dropped_and_logged_as_error(caplog):
    oct_key = {"kty": "oct", "kid": "hmac-1", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}

    with caplog.at_level(logging.INFO):
        keys = sanitise_keys([oct_key, {**EC_PUBLIC, "kid": "ec"}])

    assert [key["kid"] for key in keys] == ["ec"]
    errors = _records(caplog, logging.ERROR)
    assert [record.kid for record in errors] == ["hmac-1"]
    assert "symmetric" in errors[0].getMessage()
    assert oct_key["k"] not in caplog.text


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"kty": "RSA", "kid": "k1", "e": "AQAB"}, "without n"),
        ({"kty": "RSA", "kid": "k1", "n": "0vx7", "e": ""}, "without e"),
        ({**EC_PUBLIC, "kid": "k1", "y": None}, "without y"),
        ({"kty": "EC", "kid": "k1", "x": "abc", "y": "def"}, "without crv"),
        ({"kty": "OKP", "kid": "k1", "crv": "Ed25519"}, "without x"),
        ({"kid": "k1", "n": "0vx7", "e": "AQAB"}, "missing kty"),
        ({"kty": "XYZ", "kid": "k1"}, "unsupported kty"),
        ({"kty": ["RSA"], "kid": "k1"}, "unsupported kty"),
    ],
)
def test_malformed_key_with_a_kid_is_dropped_and_the_log_names_kid_and_reason(entry, reason, caplog):
    with caplog.at_level(logging.INFO):
        assert sanitise_key(entry) is None

    warnings = _records(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert warnings[0].kid == "k1"
    assert reason in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("not-a-key", "not an object"),
        (["kty", "RSA"], "not an object"),
        ({"kty": "RSA", "n": "0vx7", "e": "AQAB"}, "missing kid"),
        ({"kty": "RSA", "kid": 7, "n": "0vx7", "e": "AQAB"}, "missing kid"),
    ],
)
def test_key_without_usable_kid_is_dropped_and_the_log_names_its_position(entry, reason, caplog):
    with caplog.at_level(logging.INFO):
        keys = sanitise_keys([{**OKP_PUBLIC, "kid": "good"}, entry])

    assert [key["kid"] for key in keys] == ["good"]
    warnings = _records(caplog, logging.WARNING)
    assert [(record.position, reason in record.getMessage()) for record in warnings] == [(1, True)]


def test_duplicate_kid_keeps_the_first_and_warns(caplog):
    first = {**EC_PUBLIC, "kid": "dup"}
    second = {**OKP_PUBLIC, "kid": "dup"}

    with caplog.at_level(logging.INFO):
        keys = sanitise_keys([first, second])

    assert keys == [first]
    warnings = _records(caplog, logging.WARNING)
    assert [record.kid for record in warnings] == ["dup"]
    assert "duplicate" in warnings[0].getMessage()


def test_sanitising_does_not_modify_the_input():
    entry = {**EC_PUBLIC, "kid": "ec", "d": "private"}

    sanitise_key(entry)

    assert entry["d"] == "private"


@pytest.mark.parametrize(
    ("document_text", "code"),
    [
        ("not json {", "NOT_JSON"),
        ("", "NOT_JSON"),
        ('{"keys": [{"kid": "a", "kty": "RSA", "n": "x", "e": "AQAB", "ext": NaN}]}', "NOT_JSON"),
        ('{"a": {"kty": "OKP", "crv": "Ed25519", "x": "x", "exp": -Infinity}}', "NOT_JSON"),
        ("[" * 100_000 + "]" * 100_000, "TOO_DEEP"),
        (
            '{"keys": [{"kid": "a", "kty": "RSA", "n": "x", "e": "AQAB", "ext": '
            + "[" * 100_000
            + "]" * 100_000
            + "}]}",
            "TOO_DEEP",
        ),
        ('["a", "b"]', "NOT_AN_OBJECT"),
        ('"just a string"', "NOT_AN_OBJECT"),
        ('{"keys": {"kid": "x"}}', "KEYS_NOT_A_LIST"),
        ('{"hmac": {"kty": "oct", "k": "c2VjcmV0"}}', "NO_USABLE_KEYS"),
        ('{"keys": [{"kty": "RSA", "kid": "no-n", "e": "AQAB"}, 42]}', "NO_USABLE_KEYS"),
    ],
)
def test_unservable_documents_raise_with_a_code(document_text, code):
    with pytest.raises(KeyDocumentError) as raised:
        load_public_keys(document_text)

    assert raised.value.code == code


@pytest.mark.parametrize("document_text", ["{}", '{"keys": []}'])
def test_empty_document_is_an_empty_key_set(document_text):
    assert load_public_keys(document_text) == []


def test_parse_keeps_document_order_and_leaves_checking_to_the_sanitiser():
    entries = parse_key_document('{"keys": [{"kid": "b"}, 3, {"kid": "a"}]}')

    assert entries == [{"kid": "b"}, 3, {"kid": "a"}]


PUBLIC_BASES = [
    {**EC_PUBLIC, "kid": "ec"},
    {**OKP_PUBLIC, "kid": "okp"},
    {"kty": "RSA", "kid": "rsa", "n": "0vx7", "e": "AQAB"},
]
member_names = st.one_of(
    st.sampled_from(sorted(PRIVATE_MEMBERS | {"kty", "kid", "n", "e", "crv", "x", "y"})), st.text(max_size=5)
)
member_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.lists(st.text(max_size=3), max_size=2),
    st.sampled_from(["RSA", "EC", "OKP", "oct"]),
)


@given(st.dictionaries(member_names, member_values, max_size=12))
def test_property_no_private_member_survives_any_member_dict(entry):
    public_key = sanitise_key(entry)

    if public_key is not None:
        assert not PRIVATE_MEMBERS & public_key.keys()
        assert public_key.items() <= entry.items()
        assert public_key["kty"] in ("RSA", "EC", "OKP")


extra_names = st.one_of(st.sampled_from(sorted(PRIVATE_MEMBERS)), st.text(min_size=3, max_size=6))


@given(st.sampled_from(PUBLIC_BASES), st.dictionaries(extra_names, member_values, max_size=8))
def test_property_valid_key_keeps_every_public_member_and_loses_every_private_one(base, extras):
    entry = {**extras, **base}

    public_key = sanitise_key(entry)

    assert public_key == {name: value for name, value in entry.items() if name not in PRIVATE_MEMBERS}
