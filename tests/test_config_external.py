"""The iam-platform:external settings: defaults, and one clear line per bad value."""

import json

import pytest

from components.settings import StackConfigError, parse_stack_settings

REGION = {"aws:region": "eu-west-1"}


def problems(external: dict) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_settings("dev", {**REGION, "iam-platform:external": json.dumps(external)}, environ={})
    return caught.value.problems


OIDC_OK = {
    "enabled": True,
    "issuerUrl": "https://oidc.fly.io/org",
    "subjects": ["org:app:web"],
    "secretPrefix": "paintbox/*",
}


def test_settings_defaults():
    settings = parse_stack_settings(
        "dev", {**REGION, "iam-platform:external": json.dumps(OIDC_OK)}, environ={}
    ).external
    assert (settings.mode, settings.audience, settings.create_access_key, settings.max_session_seconds) == (
        "oidc",
        "sts.amazonaws.com",
        False,
        3600,
    )
    assert parse_stack_settings("dev", REGION, environ={}).external.enabled is False


@pytest.mark.parametrize(
    "change, message",
    [
        ({"subjects": ["org:*"]}, "need allowWildcardSubjects: true"),
        ({"subjects": []}, "subjects is required in oidc mode"),
        ({"issuerUrl": None}, "issuerUrl is required"),
        ({"issuerUrl": "http://oidc.fly.io/org"}, "should match pattern"),
        ({"secretPrefix": None}, "secretPrefix is required"),
        ({"secretPrefix": "*"}, "should match pattern"),
        ({"secretPrefix": "paintbox/*/x/*"}, "should match pattern"),
        ({"createAccessKey": True}, "createAccessKey applies to iam-user mode only"),
        ({"mode": "iam-user"}, "issuerUrl, subjects apply to oidc mode only"),
        ({"mode": "saml"}, "'oidc' or 'iam-user'"),
        ({"maxSessionSeconds": 60}, "greater than or equal to 900"),
        ({"thumbprints": ["abc"]}, "40 hexadecimal"),
        ({"kmsKeyArns": ["alias/aws/secretsmanager"]}, "not a KMS key ARN"),
    ],
)
def test_bad_settings_are_refused(change, message):
    """One line per problem, naming the section, and for mode mismatches every key set in vain."""
    [line] = problems({**OIDC_OK, **change})
    assert line.startswith("iam-platform:external") and message in line, line


def test_unknown_key_is_refused():
    [line] = problems({**OIDC_OK, "listSecrets": True})
    assert line.startswith("iam-platform:external.listSecrets") and "unknown setting" in line


@pytest.mark.parametrize(
    "oidc_key, value",
    [
        ("thumbprints", ["a" * 40]),
        ("maxSessionSeconds", 1000),
        ("audience", "sts.amazonaws.com"),
        ("allowWildcardSubjects", True),
    ],
)
def test_iam_user_mode_refuses_every_oidc_setting(oidc_key, value):
    """A setting that has no effect in the chosen mode must not pass silently, even at its default value."""
    iam_user = {"enabled": True, "mode": "iam-user", "secretPrefix": "team/app/*"}
    settings = parse_stack_settings("dev", {**REGION, "iam-platform:external": json.dumps(iam_user)}, environ={})
    assert settings.external.mode == "iam-user"
    [line] = problems({**iam_user, oidc_key: value})
    assert f"{oidc_key} apply to oidc mode only" in line, line
