"""The credential_process client end to end: SigV4 → local verifying gateway → TVM → moto."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone

import botocore.session
import pytest

from cli import tvm_credentials as client
from lambdas.tvm import handler as tvm
from tests.broken_http import broken_http_server
from lambdas.tvm.service import STATUS
from tests.lambdas.tvm_world import user_arn
from tests.sigv4_gateway import Identity, SigV4Gateway

IDENTITIES = {
    "AKIDALICE": Identity("alice-secret", user_arn("alice"), "alice-token"),
    "AKIDMALLORY": Identity("mallory-secret", user_arn("mallory")),
    "AKIDCAROL": Identity("carol-secret", user_arn("carol")),
    "AKIDBOB": Identity("bob-secret", user_arn("bob")),
}


@pytest.fixture
def world(tvm_world):
    tvm._overrides["log"] = tvm_world.logs.append   # keep decision lines out of the client's stdout
    with SigV4Gateway(tvm.handler, IDENTITIES) as gateway:
        tvm_world.gateway = gateway
        yield tvm_world


def signer(key: str, secret: str = None, token: str = None) -> botocore.session.Session:
    session = botocore.session.Session()
    identity = IDENTITIES.get(key)
    session.set_credentials(key, secret or identity.secret_key, token if token is not None else
                            (identity.session_token if identity else None))
    return session


def run(world, tmp_path, capsys, *extra, key="AKIDALICE", profile="prod", now=None, session=None):
    argv = ["--endpoint", world.gateway.url, "--profile", profile, "--region", "eu-west-1",
            "--cache-dir", str(tmp_path / "cache"), *extra]
    kwargs = {"now": now} if now else {}
    code = client.main(argv, session=session or signer(key), **kwargs)
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_credential_process_json_and_caches_privately(world, tmp_path, capsys):
    code, out, err = run(world, tmp_path, capsys)
    assert (code, err) == (0, "")
    credentials = json.loads(out)
    assert set(credentials) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert credentials["Version"] == 1 and credentials["AccessKeyId"].startswith("ASIA")
    assert world.assumed[0]["SourceIdentity"].startswith("sentinel.alice.")
    [request] = world.gateway.requests
    assert request["accepted"] and request["headers"]["X-Amz-Security-Token"] == "alice-token"
    cache_dir = tmp_path / "cache"
    [cached] = list(cache_dir.iterdir())
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert json.loads(cached.read_text()) == credentials
    # Served from the cache: no second request.
    code, again, _ = run(world, tmp_path, capsys)
    assert code == 0 and json.loads(again) == credentials and len(world.gateway.requests) == 1


def test_cache_is_refreshed_five_minutes_before_expiry(world, tmp_path, capsys):
    run(world, tmp_path, capsys)
    expiration = datetime.strptime(json.loads(next((tmp_path / "cache").iterdir()).read_text())["Expiration"],
                                   "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    run(world, tmp_path, capsys, now=lambda: expiration - timedelta(minutes=5, seconds=1))
    assert len(world.gateway.requests) == 1
    run(world, tmp_path, capsys, now=lambda: expiration - timedelta(minutes=5))
    assert len(world.gateway.requests) == 2


def test_a_cache_file_others_can_read_is_ignored(world, tmp_path, capsys):
    run(world, tmp_path, capsys)
    cached = next((tmp_path / "cache").iterdir())
    os.chmod(cached, 0o644)
    code, _, _ = run(world, tmp_path, capsys)
    assert code == 0 and len(world.gateway.requests) == 2
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600


def test_duration_is_sent_and_no_cache_skips_the_file(world, tmp_path, capsys):
    code, _, _ = run(world, tmp_path, capsys, "--duration", "1200", "--no-cache")
    assert code == 0 and world.assumed[0]["DurationSeconds"] == 1200
    assert not (tmp_path / "cache").exists()


def test_approval_flow_through_the_client(world, tmp_path, capsys):
    code, _, err = run(world, tmp_path, capsys, key="AKIDCAROL")
    assert code == 1 and "APPROVAL_REQUIRED" in err and "--approval-id" in err
    approval_id = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    world.call("POST", f"/approvals/{approval_id}/approve", "bob")
    code, out, err = run(world, tmp_path, capsys, "--approval-id", approval_id, key="AKIDCAROL")
    assert (code, err) == (0, "") and json.loads(out)["Version"] == 1


@pytest.mark.parametrize("extra, key, profile, code_, exit_code", [
    ((), "AKIDMALLORY", "prod", "POLICY_DENY", 1),
    ((), "AKIDALICE", "nope", "INVALID_PROFILE", 1),
    (("--duration", "100"), "AKIDALICE", "prod", "INVALID_DURATION", 1),
])
def test_refusals_are_one_line_and_non_zero(world, tmp_path, capsys, extra, key, profile, code_, exit_code):
    code, out, err = run(world, tmp_path, capsys, *extra, key=key, profile=profile)
    assert code == exit_code and out == ""
    assert err.count("\n") == 1 and err.startswith(f"tvm-credentials: {code_}: ")
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())


def test_config_error_exits_3(world, tmp_path, capsys):
    world.put_rules("prod", "{")
    code, _, err = run(world, tmp_path, capsys)
    assert code == 3 and err.startswith("tvm-credentials: CONFIG_ERROR: ")


def test_a_bad_signature_is_refused_by_the_gateway(world, tmp_path, capsys):
    code, _, err = run(world, tmp_path, capsys, session=signer("AKIDALICE", secret="wrong"))
    assert code == 1 and err.startswith("tvm-credentials: ACCESS_DENIED: API Gateway refused")
    assert "signature" in err and not world.assumed


def test_unreachable_endpoint(world, tmp_path, capsys):
    argv = ["--endpoint", "http://127.0.0.1:9", "--profile", "prod", "--region", "eu-west-1", "--no-cache",
            "--timeout", "2"]
    assert client.main(argv, session=signer("AKIDALICE")) == 3
    assert capsys.readouterr().err.startswith("tvm-credentials: UNREACHABLE: ")


@pytest.mark.parametrize("endpoint", ["http://example.com/", "http://10.0.0.1:8080", "http://127.0.0.1.example.com",
                                      "ftp://127.0.0.1", "https://", "http://127.0.0.1:port"])
def test_plain_http_is_refused_except_to_this_machine(tmp_path, capsys, monkeypatch, endpoint):
    sent = []
    monkeypatch.setattr(client.SigV4Client, "request", lambda self, *a, **k: sent.append(a) or (200, {}, b"{}"))
    argv = ["--endpoint", endpoint, "--profile", "prod", "--region", "eu-west-1", "--no-cache"]
    assert client.main(argv, session=signer("AKIDALICE")) == 2
    err = capsys.readouterr().err
    assert err == ("tvm-credentials: USAGE: --endpoint must be an https:// URL "
                   "(http:// only for 127.0.0.1, ::1 or localhost)\n")
    assert sent == []   # nothing was signed or sent


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080",
                                      "HTTP://LOCALHOST", "https://abc.execute-api.eu-west-1.amazonaws.com"])
def test_loopback_http_and_any_https_are_accepted(endpoint):
    client._check_endpoint(endpoint)


def test_no_local_credentials(tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    argv = ["--endpoint", "https://abc.execute-api.eu-west-1.amazonaws.com", "--profile", "prod", "--no-cache"]
    assert client.main(argv, session=botocore.session.Session()) == 2
    assert capsys.readouterr().err.startswith("tvm-credentials: NO_CREDENTIALS: ")


@pytest.mark.parametrize("endpoint", ["https://abc.execute-api.eu-west-1.amazonaws.com", "https://tvm.example.com"])
def test_an_unknown_source_profile_is_one_line(tmp_path, capsys, monkeypatch, endpoint):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    argv = ["--endpoint", endpoint, "--profile", "prod", "--no-cache", "--source-profile", "missing"]
    assert client.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tvm-credentials: ") and "missing" in err


@pytest.mark.parametrize("code", sorted(STATUS))
def test_every_error_code_has_one_clear_line(code):
    with pytest.raises(client.ClientError) as caught:
        client._credentials(STATUS[code], json.dumps({"error": code, "message": "m"}).encode(), "prod")
    assert caught.value.code == code and "\n" not in str(caught.value) and str(caught.value)
    assert caught.value.exit_code == (3 if STATUS[code] >= 500 else 1)


def test_region_comes_from_the_endpoint_host():
    assert client._region_of("https://abc123.execute-api.eu-central-1.amazonaws.com") == "eu-central-1"
    assert client._region_of("http://127.0.0.1:8080") is None


def test_botocore_runs_it_as_credential_process(world, tmp_path, monkeypatch):
    """The ~/.aws/config entry from the README, resolved by botocore itself (a real subprocess)."""
    import shlex
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    command = " ".join(shlex.quote(part) for part in [
        sys.executable, "-m", "cli.tvm_credentials", "--endpoint", world.gateway.url, "--profile", "prod",
        "--region", "eu-west-1", "--source-profile", "signer", "--cache-dir", str(tmp_path / "cache")])
    (tmp_path / "config").write_text(f"[profile signer]\nregion = eu-west-1\n\n"
                                     f"[profile prod-via-tvm]\ncredential_process = {command}\n")
    (tmp_path / "credentials").write_text("[signer]\naws_access_key_id = AKIDCAROL\n"
                                          "aws_secret_access_key = carol-secret\n")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("PYTHONPATH", str(repo))
    world.put_rules("prod", {"version": 1, "role_arn": "arn:aws:iam::123456789012:role/protected-prod-1a2b3c",
                             "rules": [{"name": "carol", "effect": "allow", "users": ["carol"]}]})
    credentials = botocore.session.Session(profile="prod-via-tvm").get_credentials().get_frozen_credentials()
    assert credentials.access_key.startswith("ASIA") and credentials.token
    assert world.assumed[-1]["SourceIdentity"].startswith("sentinel.carol.")
    assert [r["accepted"] for r in world.gateway.requests] == [True]


@pytest.mark.parametrize("reply", [b"NOT-HTTP garbage\r\n\r\n",
                                   b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Acc"])
def test_a_garbled_answer_is_unreachable_not_a_traceback(capsys, reply):
    with broken_http_server(reply) as (url, _):
        argv = ["--endpoint", url, "--profile", "prod", "--region", "eu-west-1", "--no-cache", "--timeout", "5"]
        assert client.main(argv, session=signer("AKIDALICE")) == 3
    err = capsys.readouterr().err
    assert err.startswith("tvm-credentials: UNREACHABLE: ") and len(err.splitlines()) == 1


def test_an_answer_nested_too_deep_is_a_bad_response(monkeypatch, capsys):
    deep = b"[" * 100_000 + b"]" * 100_000
    monkeypatch.setattr(client.SigV4Client, "request", lambda self, *a, **k: (200, {}, deep))
    argv = ["--endpoint", "https://tvm.example.com", "--profile", "prod", "--region", "eu-west-1", "--no-cache"]
    assert client.main(argv, session=signer("AKIDALICE")) == 3
    assert capsys.readouterr().err.startswith("tvm-credentials: BAD_RESPONSE: ")
