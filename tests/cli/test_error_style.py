"""One error style for the operator commands: ``<command>: <problem>``, one line on stderr, and
the documented exit code; bad usage is one line and exit 2, never argparse's usage block."""

import pytest
from moto import mock_aws

import cli.lambda_kms_doctor as kms_doctor
import cli.validate_jwks as validate_jwks
from cli.command_line import ArgumentParser

JWKS = ["--url", "https://example.com/jwks.json", "--secret", "s"]


def usage_error(capsys, main, argv) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, problem",
    [
        ([], "the following arguments are required: command"),
        (["diagnose"], "the following arguments are required: --function"),
        (["repair", "--function", "f", "--timeout", "-5"], "argument --timeout: must be a positive number of seconds"),
        (["repair", "--function", "f", "--timeout", "nan"], "argument --timeout: must be a positive number of seconds"),
        (["diagnose", "--function", "f", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_kms_doctor_usage_errors_are_one_line(capsys, argv, problem):
    err = usage_error(capsys, kms_doctor.main, argv)
    assert err.count("\n") == 1 and err.startswith(f"lambda-kms-doctor: {problem}"), err


@pytest.mark.parametrize(
    "argv, problem",
    [
        ([], "the following arguments are required: --url, --secret"),
        ([*JWKS, "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_validate_jwks_usage_errors_are_one_line(capsys, argv, problem):
    err = usage_error(capsys, validate_jwks.main, argv)
    assert err.count("\n") == 1 and err.startswith(f"validate-jwks: {problem}"), err


def test_help_still_prints_the_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        kms_doctor.main(["--help"])
    assert exited.value.code == 0 and capsys.readouterr().out.startswith("usage: python -m cli.lambda_kms_doctor")


def test_kms_doctor_with_an_unknown_profile_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_PROFILE", "missing")
    assert kms_doctor.main(["diagnose", "--function", "f", "--region", "eu-west-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lambda-kms-doctor: cannot use the AWS configuration: ")
    assert "missing" in err


def test_kms_doctor_without_a_region_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert kms_doctor.main(["diagnose", "--function", "f"]) == 2
    assert capsys.readouterr().err == "lambda-kms-doctor: no AWS region configured: pass --region or set AWS_REGION\n"


def test_kms_doctor_missing_function_is_one_line_on_stderr(capsys, aws_env):
    import boto3

    with mock_aws():
        code = kms_doctor.main(["diagnose", "--function", "nope"], session=boto3.Session(region_name="eu-west-1"))
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("lambda-kms-doctor: ") and "nope" in captured.err


def test_kms_doctor_unexpected_failure_is_one_line_and_exit_2(capsys, monkeypatch):
    def crash(session, function):
        raise KeyError("boom")

    monkeypatch.setattr(kms_doctor, "gather", crash)
    assert kms_doctor.main(["diagnose", "--function", "f"], session=object()) == 2
    assert capsys.readouterr().err == "lambda-kms-doctor: unexpected KeyError: 'boom'\n"


def test_a_multi_line_problem_is_printed_on_one_line(capsys):
    parser = ArgumentParser(prog="x", command="x-cmd")
    with pytest.raises(SystemExit):
        parser.error("first\nsecond")
    assert capsys.readouterr().err == "x-cmd: first second (see --help)\n"
