"""The credential_process client end to end: SigV4 → local verifying gateway → TVM → moto."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import botocore.session
import pytest

from cli import tvm_credentials as client
from lambdas.tvm import handler as tvm
from lambdas.tvm.codes import STATUS
from tests.support.broken_http import broken_http_server
from tests.support.certificates import write_server_certificate
from tests.support.sigv4_gateway import Identity, SigV4Gateway
from tests.support.tvm_world import user_arn

IDENTITIES = {
    "AKIDALICE": Identity("alice-secret", user_arn("alice"), "alice-token"),
    "AKIDMALLORY": Identity("mallory-secret", user_arn("mallory")),
    "AKIDCAROL": Identity("carol-secret", user_arn("carol")),
    "AKIDBOB": Identity("bob-secret", user_arn("bob")),
}


@pytest.fixture
def world(tvm_world):
    tvm_world.restart(keep_logs=True)  # keep decision lines out of the client's stdout
    with SigV4Gateway(tvm.handler, IDENTITIES) as gateway:
        tvm_world.gateway = gateway
        yield tvm_world


def signer(key: str, secret: str | None = None, token: str | None = None) -> botocore.session.Session:
    session = botocore.session.Session()
    identity = IDENTITIES.get(key)
    session.set_credentials(
        key,
        secret or identity.secret_key,
        token if token is not None else (identity.session_token if identity else None),
    )
    return session


def run(world, tmp_path, capsys, *extra, key="AKIDALICE", profile="prod", now=None, session=None):
    argv = [
        "--endpoint",
        world.gateway.url,
        "--profile",
        profile,
        "--region",
        "eu-west-1",
        "--cache-dir",
        str(tmp_path / "cache"),
        *extra,
    ]
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
    expiration = datetime.strptime(
        json.loads(next((tmp_path / "cache").iterdir()).read_text())["Expiration"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)
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


@pytest.mark.parametrize(
    "extra, key, profile, code_, exit_code",
    [
        ((), "AKIDMALLORY", "prod", "POLICY_DENY", 1),
        ((), "AKIDALICE", "nope", "INVALID_PROFILE", 1),
    ],
)
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
    argv = [
        "--endpoint",
        "http://127.0.0.1:9",
        "--profile",
        "prod",
        "--region",
        "eu-west-1",
        "--no-cache",
        "--timeout",
        "2",
    ]
    assert client.main(argv, session=signer("AKIDALICE")) == 3
    assert capsys.readouterr().err.startswith("tvm-credentials: UNREACHABLE: ")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://example.com/",
        "http://10.0.0.1:8080",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
        "https://",
        "http://127.0.0.1:port",
    ],
)
def test_plain_http_is_refused_except_to_this_machine(tmp_path, capsys, monkeypatch, endpoint):
    sent = []
    monkeypatch.setattr(client, "exchange", lambda *a, **k: sent.append(a) or (200, {}, b"{}"))
    argv = ["--endpoint", endpoint, "--profile", "prod", "--region", "eu-west-1", "--no-cache"]
    assert client.main(argv, session=signer("AKIDALICE")) == 2
    err = capsys.readouterr().err
    assert err == (
        "tvm-credentials: USAGE: --endpoint must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)\n"
    )
    assert sent == []  # nothing was signed or sent


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
        "HTTP://LOCALHOST",
        "https://abc.execute-api.eu-west-1.amazonaws.com",
    ],
)
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
    with pytest.raises(client.CredentialProcessError) as caught:
        client._credentials(STATUS[code], json.dumps({"error": code, "message": "m"}).encode(), "prod")
    assert caught.value.code == code and "\n" not in str(caught.value) and str(caught.value)
    assert caught.value.exit_code == (3 if STATUS[code] >= 500 else 1)


def test_region_comes_from_the_endpoint_host():
    assert client._region_of("https://abc123.execute-api.eu-central-1.amazonaws.com") == "eu-central-1"
    assert client._region_of("http://127.0.0.1:8080") is None


def test_botocore_runs_it_as_credential_process(world, tmp_path, monkeypatch):
    """The ~/.aws/config entry from docs/tvm.md, resolved by botocore itself (a real subprocess)."""
    import shlex
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    command = " ".join(
        shlex.quote(part)
        for part in [
            sys.executable,
            "-m",
            "cli.tvm_credentials",
            "--endpoint",
            world.gateway.url,
            "--profile",
            "prod",
            "--region",
            "eu-west-1",
            "--source-profile",
            "signer",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    (tmp_path / "config").write_text(
        f"[profile signer]\nregion = eu-west-1\n\n[profile prod-via-tvm]\ncredential_process = {command}\n"
    )
    (tmp_path / "credentials").write_text(
        "[signer]\naws_access_key_id = AKIDCAROL\naws_secret_access_key = carol-secret\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("PYTHONPATH", str(repo))
    world.put_rules(
        "prod",
        {
            "version": 1,
            "role_arn": "arn:aws:iam::123456789012:role/protected-prod-1a2b3c",
            "rules": [{"name": "carol", "effect": "allow", "users": ["carol"]}],
        },
    )
    credentials = botocore.session.Session(profile="prod-via-tvm").get_credentials().get_frozen_credentials()
    assert credentials.access_key.startswith("ASIA") and credentials.token
    assert world.assumed[-1]["SourceIdentity"].startswith("sentinel.carol.")
    assert [r["accepted"] for r in world.gateway.requests] == [True]


@pytest.mark.parametrize("reply", [b"NOT-HTTP garbage\r\n\r\n", b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"Acc'])
def test_a_garbled_answer_is_unreachable_not_a_traceback(capsys, reply):
    with broken_http_server(reply) as (url, _):
        argv = ["--endpoint", url, "--profile", "prod", "--region", "eu-west-1", "--no-cache", "--timeout", "5"]
        assert client.main(argv, session=signer("AKIDALICE")) == 3
    err = capsys.readouterr().err
    assert err.startswith("tvm-credentials: UNREACHABLE: ") and len(err.splitlines()) == 1


def test_an_answer_nested_too_deep_is_a_bad_response(capsys):
    deep = b"[" * 30_000 + b"]" * 30_000  # deep enough for a RecursionError, short enough for the size cap
    with broken_http_server(http_reply(200, deep)) as (url, _):
        argv = ["--endpoint", url, "--profile", "prod", "--region", "eu-west-1", "--no-cache"]
        assert client.main(argv, session=signer("AKIDALICE")) == 3
    err = capsys.readouterr().err
    assert err.startswith("tvm-credentials: BAD_RESPONSE: the TVM answered 200 without usable credentials")


# -- attacks: a redirecting endpoint, a lying TVM, a poisoned cache ---------------------------

FAR_FUTURE = "2099-01-01T00:00:00Z"


def tvm_answer(**changes) -> dict:
    """A 200 body as the TVM writes it, with ``changes`` (a value of ... removes the field)."""
    answer = {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "secret/Key+1",
        "Token": "token/Value+=",
        "Expiration": FAR_FUTURE,
    }
    answer.update(changes)
    return {name: value for name, value in answer.items() if value is not ...}


def prod_argv(url, tmp_path, *extra) -> list[str]:
    """The client's arguments for profile prod at ``url``, caching under tmp_path."""
    return [
        "--endpoint",
        url,
        "--profile",
        "prod",
        "--region",
        "eu-west-1",
        "--cache-dir",
        str(tmp_path / "cache"),
        *extra,
    ]


def ask_url(url, tmp_path, *extra):
    """Run the client against ``url`` (a local test server) for profile prod, signed as AKIDALICE."""
    return client.main(prod_argv(url, tmp_path, *extra), session=signer("AKIDALICE"))


def http_reply(status: int, body: bytes, headers: dict | None = None) -> bytes:
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **(headers or {}),
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if value is not None)
    return f"HTTP/1.1 {status} Whatever\r\n{head}\r\n".encode() + body


def cache_entries(tmp_path) -> list:
    cache_dir = tmp_path / "cache"
    return sorted(cache_dir.iterdir()) if cache_dir.exists() else []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("approval", [(), ("--approval-id", "a" * 32)])
def test_a_redirect_is_refused_and_the_signature_goes_nowhere_else(tmp_path, capsys, status, approval):
    stolen = http_reply(200, json.dumps(tvm_answer(AccessKeyId="ASIAATTACKER")).encode())
    with broken_http_server(stolen) as (other_url, other_requests):
        redirect = http_reply(status, b"", {"Location": other_url + "/", "Content-Type": None})
        with broken_http_server(redirect) as (url, requests):
            code = ask_url(url, tmp_path, "--timeout", "5", *approval)
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    assert err == (
        f"tvm-credentials: BAD_RESPONSE: the TVM answered with a redirect (HTTP {status}), which is not followed\n"
    )
    assert b"Authorization: AWS4-HMAC-SHA256" in requests[0]  # the endpoint got the signed request ...
    assert other_requests == []  # ... and the Location host got nothing
    assert cache_entries(tmp_path) == []


@pytest.fixture
def lying_tvm():
    """A SigV4-verifying gateway whose app answers whatever ``gateway.answer`` holds."""

    def app(event, context):
        return gateway.answer

    with SigV4Gateway(app, IDENTITIES) as gateway:
        gateway.answer = {"statusCode": 200, "body": json.dumps(tvm_answer())}
        yield gateway


def ask(gateway, tmp_path, capsys, *extra, now=None):
    argv = prod_argv(gateway.url, tmp_path, *extra)
    code = client.main(argv, session=signer("AKIDALICE"), **({"now": now} if now else {}))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "body, problem",
    [
        (tvm_answer(AccessKeyId=None), "AccessKeyId is missing or null"),
        (tvm_answer(AccessKeyId=...), "AccessKeyId is missing or null"),
        (tvm_answer(AccessKeyId=""), "AccessKeyId is empty"),
        (tvm_answer(AccessKeyId="ASIA\r\nX-Injected: 1"), "AccessKeyId is a malformed string"),
        (tvm_answer(SecretAccessKey=12345), "SecretAccessKey is a int"),
        (tvm_answer(SecretAccessKey=True), "SecretAccessKey is a bool"),
        (tvm_answer(Token=None), "SessionToken is missing or null"),
        (tvm_answer(Token=["a", "b"]), "SessionToken is a list"),
        (tvm_answer(Expiration=None), "Expiration is missing or null"),
        (tvm_answer(Expiration=4102444800), "Expiration is a int"),
        (tvm_answer(Expiration="2020-01-01T00:00:00Z"), "Expiration is not in the future"),
        (tvm_answer(Expiration="soon"), "Expiration is a malformed string"),
        (tvm_answer(Expiration="2099-01-01T00:00:00"), "Expiration is a malformed string"),  # no zone
        (tvm_answer(Expiration="2099-13-01T00:00:00Z"), "Expiration is not a valid date and time"),
        (tvm_answer(Expiration=FAR_FUTURE + "\n"), "Expiration is a malformed string"),
        (tvm_answer(Expiration="٢٠٩٩-01-01T00:00:00Z"), "Expiration is a malformed string"),  # Arabic-Indic digits
        (["AccessKeyId"], "AccessKeyId is missing or null"),
    ],
)
def test_a_lying_tvm_is_a_bad_response_and_nothing_is_printed_or_cached(lying_tvm, tmp_path, capsys, body, problem):
    lying_tvm.answer = {"statusCode": 200, "body": json.dumps(body)}
    code, out, err = ask(lying_tvm, tmp_path, capsys)
    assert (code, out) == (3, "")
    assert (
        err.startswith(f"tvm-credentials: BAD_RESPONSE: the TVM answered 200 without usable credentials ({problem}")
        and err.count("\n") == 1
    )
    assert "secret/Key+1" not in err and "token/Value" not in err
    assert cache_entries(tmp_path) == []


@pytest.mark.parametrize(
    "expiration",
    ["2099-01-01T00:00:00Z", "2099-01-01T02:00:00+02:00", "2098-12-31T19:00:00.999999-05:00", "2099-01-01T00:00:00.5Z"],
)
def test_the_printed_expiration_is_the_same_instant_for_botocore(lying_tvm, tmp_path, capsys, expiration):
    from botocore.credentials import parse  # what ProcessProvider reads an Expiration with

    lying_tvm.answer = {"statusCode": 200, "body": json.dumps(tvm_answer(Expiration=expiration))}
    code, out, _ = ask(lying_tvm, tmp_path, capsys, "--no-cache")
    printed = json.loads(out)["Expiration"]
    assert code == 0 and printed == "2099-01-01T00:00:00Z"
    assert timedelta(0) <= parse(expiration) - parse(printed) < timedelta(seconds=1)


HUGE_TOKEN = "A" * (32 * 1024 * 1024)


@pytest.mark.parametrize("framing", ["content-length", "until-close", "chunked"])
def test_a_huge_answer_is_a_bad_response(tmp_path, capsys, framing):
    body = json.dumps(tvm_answer(Token=HUGE_TOKEN)).encode()
    if framing == "content-length":
        reply = http_reply(200, body)
    elif framing == "until-close":
        reply = http_reply(200, body, {"Content-Length": None})
    else:
        reply = http_reply(
            200, b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body), {"Content-Length": None, "Transfer-Encoding": "chunked"}
        )
    with broken_http_server(reply) as (url, _):
        code = ask_url(url, tmp_path, "--timeout", "30")
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    assert err == "tvm-credentials: BAD_RESPONSE: the TVM's answer is longer than 65536 bytes\n"
    assert cache_entries(tmp_path) == []


def test_an_answer_that_drips_past_the_deadline_is_cut_off(tmp_path, capsys):
    """Every byte arrives well within --timeout of the one before (urllib's per-read timeout never fires); the whole
    reply takes about 6 s. The deadline ends the call first, whatever the machine's speed."""
    reply = http_reply(200, json.dumps(tvm_answer()).encode())
    with broken_http_server(reply, pause=6 / len(reply)) as (url, _):
        code = ask_url(url, tmp_path, "--timeout", "0.5")
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    assert err == "tvm-credentials: UNREACHABLE: no complete answer from the TVM within 0.5 s (--timeout)\n"
    assert cache_entries(tmp_path) == []


@pytest.mark.parametrize(
    "poison",
    [
        lambda entry: {**entry, "AccessKeyId": None},
        lambda entry: {**entry, "SessionToken": 42},
        lambda entry: {**entry, "SecretAccessKey": ""},
        lambda entry: {**entry, "Version": 2},
        lambda entry: {**entry, "Expiration": "2099-01-01T00:00:00"},
        lambda entry: {key: value for key, value in entry.items() if key != "SessionToken"},
        lambda entry: [entry],
    ],
)
def test_a_poisoned_cache_entry_is_discarded_when_the_tvm_is_healthy(world, tmp_path, capsys, poison):
    code, _first, _ = run(world, tmp_path, capsys)
    [cached] = cache_entries(tmp_path)
    entry = json.loads(cached.read_text())
    poisoned = poison({**entry, "Expiration": FAR_FUTURE})
    cached.write_text(json.dumps(poisoned))  # the mode stays 0600
    code, out, err = run(world, tmp_path, capsys)
    assert (code, err) == (0, "") and len(world.gateway.requests) == 2
    fresh = json.loads(out)
    assert fresh != poisoned and fresh["AccessKeyId"].startswith("ASIA")
    assert json.loads(cached.read_text()) == fresh


@pytest.mark.parametrize(
    "change",
    [
        {"argv": ("--approval-id", "b" * 32)},
        {"argv": ("--region", "us-east-1")},
        {"argv": ("--duration", "1800")},
        {"argv": ("--source-profile", "someone-else")},
        {"env": {"AWS_ACCESS_KEY_ID": "AKIDSOMEONEELSE"}},
        {"env": {"AWS_PROFILE": "someone-else"}},
    ],
)
def test_the_cache_is_keyed_by_everything_that_changes_the_answer(world, tmp_path, capsys, monkeypatch, change):
    code, _, _ = run(world, tmp_path, capsys)
    code, _, _ = run(world, tmp_path, capsys)
    assert code == 0 and len(world.gateway.requests) == 1  # the same question: served from the cache
    for name, value in change.get("env", {}).items():
        monkeypatch.setenv(name, value)
    run(world, tmp_path, capsys, *change.get("argv", ()))
    assert len(world.gateway.requests) == 2  # another question: asked anew


def test_an_approval_id_is_part_of_the_cache_key(world, tmp_path, capsys):
    approval_id = world.call("POST", "/approvals", "carol", body={"profile": "prod"}).body["approval_id"]
    world.call("POST", f"/approvals/{approval_id}/approve", "bob")
    code, _, _ = run(world, tmp_path, capsys, "--approval-id", approval_id, key="AKIDCAROL")
    assert code == 0
    code, out, _err = run(world, tmp_path, capsys, "--approval-id", "c" * 32, key="AKIDCAROL")
    assert code != 0 and out == "" and len(world.gateway.requests) == 2


# -- bad input: one line, exit 2, nothing sent ----------------------------------------------


@pytest.mark.parametrize(
    "extra, problem",
    [
        (("--timeout", "-5"), "argument --timeout: '-5' is not a number of seconds above 0 and at most 600"),
        (("--timeout", "0"), "argument --timeout: '0' is not a number of seconds above 0 and at most 600"),
        (("--timeout", "nan"), "argument --timeout: 'nan' is not a number of seconds above 0"),
        (("--timeout", "inf"), "argument --timeout: 'inf' is not a number of seconds above 0"),
        (("--timeout", "1e3"), "argument --timeout: '1e3' is not"),
        (("--timeout", "601"), "argument --timeout: '601' is not"),
        (("--timeout", "5\n"), "argument --timeout: '5\\n' is not"),
        (("--timeout", "٥"), "argument --timeout: '٥' is not"),
        (("--duration", "100"), "argument --duration: '100' is not a whole number of seconds from 900 to 43200"),
        (("--duration", "899"), "argument --duration: '899' is not a whole number of seconds from 900 to 43200"),
        (("--duration", "43201"), "argument --duration: '43201' is not"),
        (("--duration", "-900"), "argument --duration: '-900' is not"),
        (("--duration", "1200.0"), "argument --duration: '1200.0' is not"),
        (("--duration", "1200\n"), "argument --duration: '1200\\n' is not"),
        (("--duration", "١٢٠٠"), "argument --duration: '١٢٠٠' is not"),  # int() would read 1200
        (("--region", "eu-west-1\n"), "region 'eu-west-1\\n' is not a region name"),
        (("--region", "eu-west-1/x"), "region 'eu-west-1/x' is not a region name"),
        (("--endpoint", "{url}\n"), "--endpoint '{url}\\n' must be a base URL"),
        (("--endpoint", "{url}/\tx"), "--endpoint '{url}/\\tx' must be a base URL"),
        (("--endpoint", "{url}/?profile=other"), "--endpoint '{url}/?profile=other' must be a base URL"),
        (("--endpoint", "{url}/#x"), "--endpoint '{url}/#x' must be a base URL"),
        (("--endpoint", "http://user@127.0.0.1:1"), "--endpoint 'http://user@127.0.0.1:1' must be a base URL"),
    ],
)
def test_bad_options_are_one_line_before_any_request(tmp_path, capsys, extra, problem):
    with broken_http_server(http_reply(200, json.dumps(tvm_answer()).encode())) as (url, requests):
        code = ask_url(url, tmp_path, *(part.replace("{url}", url) for part in extra))
    out, err = capsys.readouterr()
    assert (code, out, requests) == (2, "", [])
    assert err.startswith(f"tvm-credentials: USAGE: {problem.replace('{url}', url)}") and err.count("\n") == 1


def test_missing_options_are_one_line(capsys):
    assert client.main([]) == 2
    assert capsys.readouterr().err == (
        "tvm-credentials: USAGE: the following arguments are required: --endpoint, --profile\n"
    )


@pytest.mark.parametrize(
    "url, host",
    [
        ("http://127.0.0.1:8080/x?y=1", "127.0.0.1:8080"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("https://TVM.example.com:443/", "tvm.example.com"),
        ("http://localhost:80", "localhost"),
        ("https://h.example.com:8443", "h.example.com:8443"),
    ],
)
def test_the_signed_host_is_the_host_sent(url, host):
    from cli.bounded_http import host_header

    assert host_header(url) == host


# -- the same over TLS: the certificate is checked, and the deadline holds ------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1."""
    return write_server_certificate(tmp_path_factory.mktemp("tls"), ("127.0.0.1",))


@pytest.fixture
def tls_server_context(tls_files):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return context


def test_https_answers_from_a_trusted_certificate_are_used(
    tmp_path, capsys, monkeypatch, tls_files, tls_server_context
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # trust our certificate, as a corporate CA would be
    with broken_http_server(http_reply(200, json.dumps(tvm_answer()).encode()), tls=tls_server_context) as (
        url,
        requests,
    ):
        code = ask_url(url, tmp_path, "--timeout", "10")
    out, err = capsys.readouterr()
    assert (code, err) == (0, "") and json.loads(out)["AccessKeyId"] == "ASIAEXAMPLE"
    assert requests[0].startswith(b"GET /?profile=prod HTTP/1.1\r\n")


def test_https_with_an_untrusted_certificate_sends_nothing(tmp_path, capsys, monkeypatch, tls_server_context):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with broken_http_server(http_reply(200, json.dumps(tvm_answer()).encode()), tls=tls_server_context) as (
        url,
        requests,
    ):
        code = ask_url(url, tmp_path, "--timeout", "10")
    out, err = capsys.readouterr()
    assert (code, out, requests) == (3, "", [])
    assert err.startswith("tvm-credentials: UNREACHABLE: cannot reach the TVM (") and "CERTIFICATE_VERIFY_FAILED" in err


def test_https_answer_that_drips_past_the_deadline_is_cut_off(
    tmp_path, capsys, monkeypatch, tls_files, tls_server_context
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    reply = http_reply(200, json.dumps(tvm_answer()).encode())
    with broken_http_server(reply, pause=6 / len(reply), tls=tls_server_context) as (url, _):
        code = ask_url(url, tmp_path, "--timeout", "0.5")
    out, err = capsys.readouterr()
    assert (code, out) == (3, "")
    assert err == "tvm-credentials: UNREACHABLE: no complete answer from the TVM within 0.5 s (--timeout)\n"
    assert cache_entries(tmp_path) == []
