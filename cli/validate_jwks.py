"""Does a JWKS endpoint serve the keys its secret holds? Compared key by key.

  python -m cli.validate_jwks --url URL --secret ID [--region R] [--timeout SECONDS]

Reads the secret's AWSCURRENT version (a JWKS or an object keyed by kid, as the JWKS
function reads it) and fetches the URL, then compares each kid's kty and public members
(n and e for RSA; crv, x and y for EC and OKP). Exits 0 when every key agrees, 1 on any
mismatch (a key only on one side, a differing member, private material served), and 2
when either side cannot be read or on bad usage (a URL that is not http(s)://, a timeout
that is not a positive number of seconds, no AWS region), with one line
``validate-jwks: <problem>`` on stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from cli.command_line import ArgumentParser, one_line, positive_seconds, report
from cli.urls import http_host

COMMAND = "validate-jwks"
EXIT_AGREE, EXIT_MISMATCH, EXIT_UNREADABLE = 0, 1, 2
COMPARED = ("kty", "n", "e", "crv", "x", "y")
PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class Unreadable(Exception):
    """One side could not be read or parsed; the message says which and why."""


@dataclass(frozen=True)
class Fetched:
    keys: list[dict[str, Any]]
    source: str | None = None  # the endpoint's X-JWKS-Source header


def compare(served: Sequence[dict[str, Any]], stored: Sequence[dict[str, Any]]) -> list[tuple[str, bool, str]]:
    """(kid, agrees, what) per kid on either side, sorted by kid; pure."""
    served_by_kid, stored_by_kid = _by_kid(served), _by_kid(stored)
    results = []
    for kid in sorted(served_by_kid.keys() | stored_by_kid.keys()):
        endpoint, secret = served_by_kid.get(kid), stored_by_kid.get(kid)
        if endpoint is None:
            results.append((kid, False, "in the secret, not served by the endpoint"))
        elif secret is None:
            results.append((kid, False, "served by the endpoint, not in the secret"))
        elif PRIVATE & endpoint.keys():
            results.append((kid, False, f"the endpoint serves private members {sorted(PRIVATE & endpoint.keys())}"))
        else:
            differ = [m for m in COMPARED if endpoint.get(m) != secret.get(m)]
            results.append(
                (
                    kid,
                    not differ,
                    f"{', '.join(differ)} differ"
                    if differ
                    else "kty "
                    + endpoint.get("kty", "?")
                    + ", "
                    + ", ".join(m for m in COMPARED[1:] if m in endpoint)
                    + " agree",
                )
            )
    return results


def fetch_endpoint(url: str, timeout: float, opener: Callable[..., Any] = urllib.request.urlopen) -> Fetched:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "validate-jwks"})
    try:
        with opener(request, timeout=timeout) as response:
            body, source = response.read(), response.headers.get("X-JWKS-Source")
    except urllib.error.HTTPError as error:
        raise Unreadable(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        raise Unreadable(f"{url} could not be fetched: {getattr(error, 'reason', error)}") from None
    try:
        document = json.loads(body)
    except ValueError:
        raise Unreadable(f"{url} did not answer JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise Unreadable(f'{url} did not answer a JWKS ({{"keys": [...]}})')
    return Fetched(document["keys"], source)


def read_secret(client: Any, secret_id: str) -> list[dict[str, Any]]:
    from lambdas.jwks.keys import KeyDocumentError, parse_key_document

    try:
        text = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT").get("SecretString")
    except (ClientError, BotoCoreError) as error:
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        raise Unreadable(f"secret {secret_id} could not be read: {code}") from None
    try:
        return [entry for entry in parse_key_document(text) if isinstance(entry, dict)]
    except KeyDocumentError as error:
        raise Unreadable(f"secret {secret_id} is not a key document: {error.code}") from None


def main(
    argv: Sequence[str] | None = None,
    session: Any = None,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] | None = None,
) -> int:
    """``out`` prints the report; ``err`` a problem (default: ``validate-jwks: <problem>`` on stderr)."""
    fail = err or (lambda problem: report(COMMAND, problem))
    args = _parser().parse_args(argv)
    try:
        return _validate(args, session, out)
    except Unreadable as error:
        fail(str(error))
    except Exception as error:  # noqa: BLE001 - one line, never a traceback; 1 would read as a mismatch
        fail(f"unexpected {type(error).__name__}: {one_line(error)}")
    return EXIT_UNREADABLE


def _validate(args: Any, session: Any, out: Callable[[str], None]) -> int:
    secrets = _secrets_client(args, session)
    stored = read_secret(secrets, args.secret)
    served = fetch_endpoint(args.url, args.timeout)
    out(
        f"endpoint: {args.url} serves {len(served.keys)} key(s)"
        + (f" (X-JWKS-Source: {served.source})" if served.source else "")
    )
    out(f"secret: {args.secret} holds {len(stored)} key(s)")
    results = compare(served.keys, stored)
    for kid, agrees, what in results:
        out(f"  {'ok      ' if agrees else 'MISMATCH'} {kid}: {what}")
    if not results:
        out("warning: no keys on either side")
    if served.source and served.source not in ("aws", "cache"):
        out(f"warning: the endpoint answered from {served.source}, not from the secret")
    failed = [kid for kid, agrees, _ in results if not agrees]
    out(f"{len(failed)} mismatch(es)" if failed else "the endpoint serves exactly the secret's keys")
    return EXIT_MISMATCH if failed else EXIT_AGREE


def _secrets_client(args: Any, session: Any) -> Any:
    try:
        if session is None:
            import boto3

            session = boto3.Session(region_name=args.region)
        return session.client("secretsmanager")
    except NoRegionError:
        raise Unreadable("no AWS region configured: pass --region or set AWS_REGION") from None
    except (BotoCoreError, ValueError) as error:  # unknown profile, malformed region, ...
        raise Unreadable(f"cannot use the AWS configuration: {str(error).rstrip('.')}") from None


def _by_kid(keys: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_kid: dict[str, dict[str, Any]] = {}
    for key in keys:
        if isinstance(key, dict) and isinstance(key.get("kid"), str):
            by_kid.setdefault(key["kid"], key)
    return by_kid


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="python -m cli.validate_jwks", command=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, type=_url, help="the JWKS URL (stack output jwksUrl)")
    parser.add_argument("--secret", required=True, help="the secret's name or ARN (stack output jwksSecretArn)")
    parser.add_argument("--region", help="AWS region (default: the profile's)")
    parser.add_argument("--timeout", type=positive_seconds, default=10.0, help="HTTP timeout in seconds (default 10)")
    return parser


def _url(text: str) -> str:
    if not http_host(text):
        raise argparse.ArgumentTypeError(
            f"must be an https:// (or http://) URL with a host and a numeric port if any, not {text!r}"
        )
    return text


if __name__ == "__main__":
    sys.exit(main())
