"""cli.validate_jwks against moto's Secrets Manager and a real HTTP server on 127.0.0.1."""

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws

from cli.validate_jwks import Unreadable, compare, fetch_endpoint, main

RSA_1 = {
    "kty": "RSA",
    "kid": "k1",
    "use": "sig",
    "alg": "RS256",
    "n": (
        "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU"
        "1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3"
        "UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC"
        "2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"
    ),
    "e": "AQAB",
}
RSA_2 = {**RSA_1, "kid": "k2", "n": RSA_1["n"][::-1]}
SECRET = "iam-platform/dev/jwt/public-keys"


class Endpoint:
    """A JWKS endpoint on 127.0.0.1 whose answer each test sets."""

    def __init__(self):
        self.status, self.body, self.headers = 200, b'{"keys": []}', {"X-JWKS-Source": "aws"}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                for name, value in endpoint.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, keys, source="aws"):
        self.body, self.headers = json.dumps({"keys": keys}).encode(), {"X-JWKS-Source": source}


@pytest.fixture(scope="module")
def endpoint():
    server = Endpoint()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def session(aws_env):
    with mock_aws():
        yield boto3.Session(region_name="eu-west-1")


def put_secret(session, document):
    session.client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(document))


def run(session, url, secret=SECRET):
    lines = []
    code = main(["--url", url, "--secret", secret], session=session, out=lines.append, err=lines.append)
    return code, "\n".join(lines)


def test_agreeing_keys_exit_zero(session, endpoint):
    put_secret(session, {"keys": [RSA_1, RSA_2]})
    endpoint.serve([RSA_2, RSA_1])
    code, text = run(session, endpoint.url)
    assert code == 0, text
    assert "ok       k1: kty RSA, n, e agree" in text and "ok       k2" in text
    assert "(X-JWKS-Source: aws)" in text and "serves exactly the secret's keys" in text


def test_secret_keyed_by_kid_as_in_the_source_document(session, endpoint):
    put_secret(session, {"k1": {k: v for k, v in RSA_1.items() if k != "kid"}})
    endpoint.serve([RSA_1])
    assert run(session, endpoint.url)[0] == 0


def test_empty_endpoint_is_a_mismatch(session, endpoint):
    """The source document's failure: the endpoint served no keys while the secret had them."""
    put_secret(session, {"keys": [RSA_1]})
    endpoint.serve([], source="fallback-error")
    code, text = run(session, endpoint.url)
    assert code == 1
    assert "MISMATCH k1: in the secret, not served by the endpoint" in text
    assert "answered from fallback-error" in text


def test_differing_modulus_and_extra_key_are_mismatches(session, endpoint):
    put_secret(session, {"keys": [RSA_1]})
    endpoint.serve([{**RSA_1, "n": RSA_2["n"]}, {**RSA_2, "kid": "k3"}])
    code, text = run(session, endpoint.url)
    assert code == 1
    assert "MISMATCH k1: n differ" in text and "MISMATCH k3: served by the endpoint, not in the secret" in text
    assert "2 mismatch(es)" in text


def test_private_members_served_are_a_mismatch(session, endpoint):
    put_secret(session, {"keys": [{**RSA_1, "d": "secret"}]})  # the secret may hold a private JWK
    endpoint.serve([{**RSA_1, "d": "secret"}])
    code, text = run(session, endpoint.url)
    assert code == 1 and "serves private members ['d']" in text


def test_http_error_and_missing_secret_exit_two(session, endpoint):
    put_secret(session, {"keys": [RSA_1]})
    endpoint.status = 502
    try:
        code, text = run(session, endpoint.url)
    finally:
        endpoint.status = 200
    assert code == 2 and "answered HTTP 502" in text
    code, text = run(session, endpoint.url, secret="nope")
    assert code == 2 and "ResourceNotFoundException" in text


def test_not_a_jwks_exits_two(session, endpoint):
    put_secret(session, {"keys": [RSA_1]})
    endpoint.body = b"<html>"
    code, text = run(session, endpoint.url)
    assert code == 2 and "did not answer JSON" in text


def test_unreachable_url_exits_two(session):
    put_secret(session, {"keys": [RSA_1]})
    code, text = run(session, "http://127.0.0.1:9/.well-known/jwks.json")
    assert code == 2 and "could not be fetched" in text


def test_compare_is_pure_and_checks_ec_members():
    ec = {"kty": "EC", "kid": "e1", "crv": "P-256", "x": "a", "y": "b"}
    assert compare([ec], [ec]) == [("e1", True, "kty EC, crv, x, y agree")]
    assert compare([{**ec, "y": "c"}], [ec]) == [("e1", False, "y differ")]
    assert compare([], []) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--url", "example.com/x"], "argument --url: must be an https:// (or http://) URL"),
        (["--url", "http://127.0.0.1:port/x"], "argument --url: must be an https:// (or http://) URL"),
        (["--url", "https://"], "argument --url: must be an https:// (or http://) URL"),
        (["--timeout", "-1"], "argument --timeout: must be a positive number of seconds, not '-1'"),
        (["--timeout", "0"], "argument --timeout: must be a positive number of seconds"),
        (["--timeout", "nan"], "argument --timeout: must be a positive number of seconds"),
    ],
)
def test_bad_arguments_exit_two_with_one_line(session, endpoint, capsys, extra, message):
    put_secret(session, {"keys": [RSA_1]})
    argv = ["--url", endpoint.url, "--secret", SECRET, *extra]
    with pytest.raises(SystemExit) as exited:
        main(argv, session=session, out=lambda line: None)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"validate-jwks: {message}") and err.endswith("(see --help)\n")


def test_no_region_exits_two_with_one_line(monkeypatch, tmp_path, capsys):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    lines = []
    assert main(["--url", "https://example.com/jwks.json", "--secret", SECRET], out=lines.append) == 2
    assert lines == [] and capsys.readouterr().err == (
        "validate-jwks: no AWS region configured: pass --region or set AWS_REGION\n"
    )


def test_unknown_profile_or_malformed_region_exits_two_with_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert (
        main(["--url", "https://example.com/jwks.json", "--secret", SECRET, "--region", "not a region"], out=print) == 2
    )
    monkeypatch.setenv("AWS_PROFILE", "missing")
    assert main(["--url", "https://example.com/jwks.json", "--secret", SECRET, "--region", "eu-west-1"], out=print) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 2
    assert all(line.startswith("validate-jwks: cannot use the AWS configuration: ") for line in lines)
    assert "not a region" in lines[0] and "missing" in lines[1]


def test_an_unexpected_failure_is_one_line_and_exit_2(session, capsys, monkeypatch):
    import cli.validate_jwks as command

    def crash(client, secret_id):
        raise KeyError("boom")

    monkeypatch.setattr(command, "read_secret", crash)
    assert main(["--url", "https://example.com/jwks.json", "--secret", SECRET], session=session) == 2
    assert capsys.readouterr().err == "validate-jwks: unexpected KeyError: 'boom'\n"


def test_a_failure_reading_a_side_goes_to_stderr_as_one_line(session, capsys):
    assert main(["--url", "https://example.com/jwks.json", "--secret", "nope"], session=session) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("validate-jwks: secret nope could not be read: ResourceNotFoundException")


def test_a_malformed_http_answer_is_unreadable():
    def garbage(request, timeout):
        raise http.client.BadStatusLine("SSH-2.0-OpenSSH")

    with pytest.raises(Unreadable, match="could not be fetched"):
        fetch_endpoint("https://example.com/jwks.json", 1, opener=garbage)
