import json

import pytest

from preview.stack_files import SECURE_PLACEHOLDER, StackFileError, read_stack_settings


def write(tmp_path, stack_yaml: str):
    (tmp_path / "Pulumi.yaml").write_text("name: iam-platform\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)


def test_values_arrive_as_the_cli_passes_them(tmp_path):
    write(tmp_path, "config:\n  aws:region: eu-west-1\n  jwks:\n    cacheTtlSeconds: 30\n  iam-platform:flag: true\n")
    settings = read_stack_settings(tmp_path, "dev")
    assert settings.config == {"aws:region": "eu-west-1", "iam-platform:jwks": '{"cacheTtlSeconds": 30}',
                               "iam-platform:flag": "true"}


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
    with pytest.raises(StackFileError, match="Pulumi.dev.yaml"):
        read_stack_settings(tmp_path, "dev")
