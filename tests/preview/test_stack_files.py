import json
import re

import pytest

from preview.stack_files import SECURE_PLACEHOLDER, StackFileError, read_stack_settings


def write(tmp_path, stack_yaml: str):
    (tmp_path / "Pulumi.yaml").write_text("name: iam-platform\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)


def test_values_arrive_as_the_cli_passes_them(tmp_path):
    write(tmp_path, "config:\n  aws:region: eu-west-1\n  jwks:\n    cacheTtlSeconds: 30\n  iam-platform:flag: true\n")
    settings = read_stack_settings(tmp_path, "dev")
    assert settings.config == {
        "aws:region": "eu-west-1",
        "iam-platform:jwks": '{"cacheTtlSeconds": 30}',
        "iam-platform:flag": "true",
    }


def test_nested_secure_values_become_placeholders(tmp_path):
    write(tmp_path, "config:\n  iam-platform:tags:\n    a: plain\n    b:\n      secure: v1:xyz\n")
    settings = read_stack_settings(tmp_path, "dev")
    assert json.loads(settings.config["iam-platform:tags"]) == {"a": "plain", "b": SECURE_PLACEHOLDER}
    assert settings.secure_keys == ("iam-platform:tags",)


def test_unknown_stack_lists_the_known_ones(tmp_path):
    write(tmp_path, "config: {}\n")
    with pytest.raises(StackFileError, match=r"unknown stack 'qa'.*stacks: dev"):
        read_stack_settings(tmp_path, "qa")


def test_unreadable_yaml_is_reported(tmp_path):
    write(tmp_path, "config: [unclosed\n")
    with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml"):
        read_stack_settings(tmp_path, "dev")


# --- read at least as strictly as the Pulumi CLI reads them ---------------------------------


def test_a_duplicated_key_is_refused_naming_both_lines(tmp_path):
    write(
        tmp_path,
        "config:\n  aws:region: eu-west-1\n  iam-platform:jwks:\n    cacheTtlSeconds: 30\n"
        "  iam-platform:jwks:\n    enabled: false\n",
    )
    with pytest.raises(
        StackFileError,
        match=r"^Pulumi.dev.yaml: line 5 column 3: duplicate key "
        r"'iam-platform:jwks' \(first at line 3\)$",
    ):
        read_stack_settings(tmp_path, "dev")


def test_a_duplicated_key_inside_a_section_is_refused_too(tmp_path):
    write(tmp_path, "config:\n  iam-platform:jwks:\n    cacheTtlSeconds: 30\n    cacheTtlSeconds: 60\n")
    with pytest.raises(StackFileError, match="line 4 column 5: duplicate key 'cacheTtlSeconds'"):
        read_stack_settings(tmp_path, "dev")


def test_a_non_string_key_is_a_clear_line(tmp_path):
    write(tmp_path, "config:\n  1: x\n")
    with pytest.raises(StackFileError, match=r"^Pulumi.dev.yaml: config key 1 is int, not a string"):
        read_stack_settings(tmp_path, "dev")


def test_a_yaml_syntax_error_names_line_and_column(tmp_path):
    write(tmp_path, "config:\n  aws:region: eu-west-1\n   iam-platform:jwks: {}\n")
    with pytest.raises(StackFileError, match=r"^Pulumi.dev.yaml: line 3 column 21: mapping values are not allowed"):
        read_stack_settings(tmp_path, "dev")


def test_a_stack_file_that_is_not_a_mapping_is_refused(tmp_path):
    write(tmp_path, "- config\n")
    with pytest.raises(StackFileError, match="must be a YAML mapping"):
        read_stack_settings(tmp_path, "dev")


def test_the_secure_placeholder_fits_an_email_a_secret_name_and_a_tag_value():
    from components.settings import base as config

    assert re.fullmatch(config._EMAIL, SECURE_PLACEHOLDER)
    assert re.fullmatch(config._SECRET_NAME, SECURE_PLACEHOLDER)
    assert len(SECURE_PLACEHOLDER) <= 256


def test_a_key_with_and_without_its_namespace_is_the_same_key_given_twice(tmp_path):
    write(tmp_path, "config:\n  jwks:\n    enabled: true\n  iam-platform:jwks:\n    enabled: false\n")
    with pytest.raises(StackFileError, match="jwks and iam-platform:jwks are the same key, given twice"):
        read_stack_settings(tmp_path, "dev")


def test_secure_paths_say_where_each_placeholder_is(tmp_path):
    write(
        tmp_path,
        "config:\n  iam-platform:external:\n    subjects:\n      - a\n      - secure: v1:x\n"
        "  iam-platform:notifications:\n    email:\n      secure: v1:y\n",
    )
    settings = read_stack_settings(tmp_path, "dev")
    assert settings.secure_paths == (
        ("iam-platform:external", ("subjects", 1)),
        ("iam-platform:notifications", ("email",)),
    )
