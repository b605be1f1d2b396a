"""Get credentials from the token vending machine, as an AWS ``credential_process``.

    python -m cli.tvm_credentials --endpoint URL --profile P [--duration S] [--region R]
                                  [--source-profile NAME] [--approval-id ID] [--no-cache]
                                  [--cache-dir DIR] [--timeout S]

Signs ``GET /?profile=P`` (or ``POST /`` with an approval id) with SigV4 for
``execute-api`` (``lambdas.common.sigv4``) using the caller's current credentials (``--source-profile`` names the AWS
profile to sign with: never the profile that runs this command, or it would call itself),
sends it with ``cli.bounded_http`` (exactly one request to the endpoint's host: redirects
are never followed, a 3xx is BAD_RESPONSE; the answer may be at most 64 KiB;
``--timeout`` is a deadline for the whole call), checks the answer as botocore's
credential_process reader would (``cli.process_credentials``: string credentials, an
ISO 8601 Expiration in the future) and only then prints ``{"Version": 1, "AccessKeyId",
"SecretAccessKey", "SessionToken", "Expiration"}``. Credentials are cached
(``cli.credential_cache``) in ``~/.cache/iam-platform-tvm`` (directory 0700, files 0600),
keyed by everything that changes the answer, checked again on every read, until 5 minutes
before they expire. Every failure prints one line on stderr and exits non-zero: 1 refused
by the TVM or API Gateway, 2 bad usage or no local credentials, 3 the TVM could not be
reached, failed, or gave an unusable answer (BAD_RESPONSE). The endpoint must be https://
(http:// only to 127.0.0.1, ::1 or localhost), so credentials never travel in clear.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode, urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError

from cli.bounded_http import AnswerTooLarge, DeadlineExceeded, exchange, host_header
from cli.credential_cache import cache_file, read_cache, write_cache
from cli.process_credentials import InvalidCredentials, credential_process_answer
from cli.urls import http_host
from lambdas.common.sigv4 import SigningError, SigV4Client
from lambdas.tvm.codes import ErrorCode

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "iam-platform-tvm"
MAX_ANSWER_BYTES = 64 * 1024  # a TVM answer is about 2 KB
DURATION_RANGE = (900, 43200)  # what the TVM and STS accept
MAX_TIMEOUT = 600
EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\Z")
_REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # botocore's region name rule, lower case
_PRINTABLE = re.compile(r"[\x21-\x7e]+")  # urlsplit would silently drop a line break or a tab
_WHOLE_SECONDS = re.compile(r"[0-9]{1,9}")
_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")

HINTS: dict[ErrorCode, str] = {
    ErrorCode.MISSING_PROFILE: "no profile was sent; pass --profile",
    ErrorCode.INVALID_PROFILE: "the TVM has no profile {profile!r} (GET /profiles lists them)",
    ErrorCode.INVALID_DURATION: "--duration must be 900 to 43200 seconds",
    ErrorCode.INVALID_REQUEST: "the TVM refused the request: {message}",
    ErrorCode.INVALID_IDENTITY: "your IAM user or session name cannot be carried as a SourceIdentity "
    "(too long, or characters outside [A-Za-z0-9_+=,.@-])",
    ErrorCode.IAM_AUTH_REQUIRED: "the request reached the TVM unsigned; check the endpoint and your AWS credentials",
    ErrorCode.UNTRUSTED_IDENTITY: "the TVM does not accept the identity you signed with; sign as your IAM user or "
    "through IAM Identity Center (--source-profile), not an assumed role or federated user",
    ErrorCode.POLICY_DENY: "the access rules of profile {profile!r} do not allow you now",
    ErrorCode.APPROVAL_REQUIRED: "profile {profile!r} needs an approval: POST /approvals, have an approver approve it, "
    "then pass --approval-id",
    ErrorCode.SESSION_REVOKED: "this session has been revoked; ask the TVM's operators",
    ErrorCode.NOT_FOUND: "the endpoint has no such path; check --endpoint",
    ErrorCode.CONFIG_ERROR: "the TVM cannot read the access rules of {profile!r}; tell its operators",
    ErrorCode.CREDENTIAL_ERROR: "the TVM could not issue credentials for {profile!r}; tell its operators",
}


class CredentialProcessError(Exception):
    """The credential process failed: ``code`` (a TVM ErrorCode or one of the client's own) goes on
    the error line, ``exit_code`` is the process's exit status."""

    def __init__(self, code: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.code, self.exit_code = code, exit_code


class _OneLineParser(argparse.ArgumentParser):
    """argparse's usage errors as one ``USAGE`` line, like every other failure."""

    def error(self, message: str) -> NoReturn:
        raise CredentialProcessError("USAGE", message, EXIT_USAGE)


def main(
    argv: Sequence[str] | None = None,
    session: botocore.session.Session | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    try:
        args = _parser().parse_args(argv)
        print(json.dumps(fetch(args, session, now)))
        return 0
    except CredentialProcessError as error:
        print(f"tvm-credentials: {error.code}: {error}", file=sys.stderr)
        return error.exit_code


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m cli.tvm_credentials", description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="the TVM's URL (stack output tvmEndpoint)")
    parser.add_argument("--profile", required=True, help="the TVM profile to get credentials for")
    parser.add_argument("--duration", type=_duration, help="session length in seconds (900-43200; the TVM may cut it)")
    parser.add_argument("--region", help="region of the endpoint (default: from its host name, then AWS_REGION)")
    parser.add_argument("--source-profile", help="AWS profile whose credentials sign the request")
    parser.add_argument("--approval-id", help="an approved approval request, for profiles that need one")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=10.0,
        help=f"seconds the whole call may take (connect, send, read; above 0, at most {MAX_TIMEOUT})",
    )
    return parser


def _duration(text: str) -> int:
    low, high = DURATION_RANGE
    if not _WHOLE_SECONDS.fullmatch(text) or not low <= int(text) <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds from {low} to {high}")
    return int(text)


def _timeout(text: str) -> float:
    if not _SECONDS.fullmatch(text) or not 0 < float(text) <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT}")
    return float(text)


def fetch(args: argparse.Namespace, session: botocore.session.Session | None, now: Callable[[], datetime]) -> dict:
    endpoint = args.endpoint.rstrip("/")
    _check_endpoint(endpoint)
    session = session or botocore.session.Session(profile=args.source_profile)
    region = _region(args.region, endpoint, session)
    question = [endpoint, region, args.profile, args.duration, args.approval_id, args.source_profile]
    cache = None if args.no_cache else cache_file(args.cache_dir, question)
    cached = read_cache(cache, now()) if cache else None
    if cached:
        return cached
    status, answer = _ask_tvm(args, endpoint, region, session)
    result = _credentials(status, answer, args.profile, now())
    if cache:
        write_cache(cache, result)
    return result


def _check_endpoint(endpoint: str) -> None:
    """https, or http to this machine only (a local stand-in): credentials never travel in clear."""
    host = http_host(endpoint)
    if not host or (urlsplit(endpoint).scheme == "http" and host not in LOOPBACK):
        raise CredentialProcessError(
            "USAGE", "--endpoint must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)", EXIT_USAGE
        )
    parts = urlsplit(endpoint)
    if not _PRINTABLE.fullmatch(endpoint) or parts.username is not None or parts.query or parts.fragment:
        raise CredentialProcessError(
            "USAGE",
            f"--endpoint {endpoint!r} must be a base URL: printable, without spaces, user name, query or fragment",
            EXIT_USAGE,
        )


def _region(given: str | None, endpoint: str, session: botocore.session.Session) -> str:
    try:
        region = given or _region_of(endpoint) or session.get_config_variable("region")
    except BotoCoreError as error:
        raise CredentialProcessError("USAGE", f"cannot read the AWS configuration ({error})", EXIT_USAGE) from None
    if not region:
        raise CredentialProcessError("USAGE", "no region: pass --region", EXIT_USAGE)
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise CredentialProcessError(
            "USAGE", f"region {region!r} is not a region name (e.g. eu-west-1); check --region", EXIT_USAGE
        )
    return region


def _ask_tvm(
    args: argparse.Namespace, endpoint: str, region: str, session: botocore.session.Session
) -> tuple[int, bytes]:
    if args.approval_id:
        method, url = "POST", endpoint + "/"
        body = json.dumps(
            {
                "profile": args.profile,
                "approval_id": args.approval_id,
                **({"duration": args.duration} if args.duration is not None else {}),
            },
            separators=(",", ":"),
        ).encode()
    else:
        query = {"profile": args.profile, **({"duration": str(args.duration)} if args.duration is not None else {})}
        method, url, body = "GET", f"{endpoint}/?{urlencode(query)}", b""
    try:
        signed = SigV4Client(region, "execute-api", session).sign(method, url, body, {"Host": host_header(url)})
        status, _, answer = exchange(method, url, dict(signed.headers.items()), body, args.timeout, MAX_ANSWER_BYTES)
    except (SigningError, BotoCoreError) as error:
        raise CredentialProcessError(
            "NO_CREDENTIALS", f"no usable AWS credentials to sign with ({error}); check --source-profile", EXIT_USAGE
        ) from None
    except AnswerTooLarge:
        raise CredentialProcessError(
            "BAD_RESPONSE", f"the TVM's answer is longer than {MAX_ANSWER_BYTES} bytes", EXIT_UNAVAILABLE
        ) from None
    except DeadlineExceeded:
        raise CredentialProcessError(
            "UNREACHABLE", f"no complete answer from the TVM within {args.timeout:g} s (--timeout)", EXIT_UNAVAILABLE
        ) from None
    except OSError as error:
        raise CredentialProcessError("UNREACHABLE", f"cannot reach the TVM ({error})", EXIT_UNAVAILABLE) from None
    except http.client.HTTPException as error:  # its text is whatever the server sent: name the kind only
        raise CredentialProcessError(
            "UNREACHABLE", f"the TVM's answer was not valid HTTP ({type(error).__name__})", EXIT_UNAVAILABLE
        ) from None
    return status, answer


def _credentials(status: int, body: bytes, profile: str, now: datetime | None = None) -> dict:
    if 300 <= status < 400:  # a redirect is never followed: the signature must not travel on
        _raise(
            "BAD_RESPONSE", f"the TVM answered with a redirect (HTTP {status}), which is not followed", EXIT_UNAVAILABLE
        )
    try:
        answer = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    if status == 200:
        try:
            return credential_process_answer({**answer, "SessionToken": answer.get("Token")}, now or datetime.now(UTC))
        except InvalidCredentials as error:
            _raise("BAD_RESPONSE", f"the TVM answered 200 without usable credentials ({error})", EXIT_UNAVAILABLE)
    code = answer.get("error")
    if status >= 400 and code in HINTS:
        message = HINTS[code].format(profile=profile, message=str(answer.get("message", ""))[:200])
        _raise(code, message, EXIT_UNAVAILABLE if status >= 500 else EXIT_REFUSED)
    if status in (401, 403) and "message" in answer:  # API Gateway itself: no or a bad signature
        _raise("ACCESS_DENIED", f"API Gateway refused the request: {str(answer['message'])[:200]}", EXIT_REFUSED)
    _raise("BAD_RESPONSE", f"unexpected answer from the TVM (HTTP {status})", EXIT_UNAVAILABLE)


def _raise(code: str, message: str, exit_code: int) -> NoReturn:
    raise CredentialProcessError(code, message, exit_code)


def _region_of(endpoint: str) -> str | None:
    match = _REGION_IN_HOST.search(urlsplit(endpoint).hostname or "")
    return match.group(1) if match else None


if __name__ == "__main__":
    sys.exit(main())
