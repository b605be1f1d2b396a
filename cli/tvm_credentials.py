"""Get credentials from the token vending machine, as an AWS ``credential_process``.

    python -m cli.tvm_credentials --endpoint URL --profile P [--duration S] [--region R]
                                  [--source-profile NAME] [--approval-id ID] [--no-cache]

Signs ``GET /?profile=P`` (or ``POST /`` with an approval id) with SigV4 for
``execute-api`` (``lambdas.common.sigv4``) using the caller's current credentials (``--source-profile`` names the AWS
profile to sign with: never the profile that runs this command, or it would call itself),
and prints ``{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
"Expiration"}``. Credentials are cached in ``~/.cache/iam-platform-tvm`` (directory 0700,
files 0600) until 5 minutes before they expire. Every failure prints one line on stderr
and exits non-zero: 1 refused by the TVM or API Gateway, 2 bad usage or no local
credentials, 3 the TVM could not be reached or failed. The endpoint must be https://
(http:// only to 127.0.0.1, ::1 or localhost), so credentials never travel in clear.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import stat
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Optional, Sequence
from urllib.parse import urlencode, urlsplit

import botocore.session
from botocore.exceptions import BotoCoreError

from cli.urls import http_host
from lambdas.common.sigv4 import SigningError, SigV4Client

REFRESH_MARGIN = timedelta(minutes=5)
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "iam-platform-tvm"
EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")

HINTS = {
    "MISSING_PROFILE": "no profile was sent; pass --profile",
    "INVALID_PROFILE": "the TVM has no profile {profile!r} (GET /profiles lists them)",
    "INVALID_DURATION": "--duration must be 900 to 43200 seconds",
    "INVALID_REQUEST": "the TVM refused the request: {message}",
    "INVALID_IDENTITY": "your IAM user or session name cannot be carried as a SourceIdentity "
                        "(too long, or characters outside [A-Za-z0-9_+=,.@-])",
    "IAM_AUTH_REQUIRED": "the request reached the TVM unsigned; check the endpoint and your AWS credentials",
    "POLICY_DENY": "the access rules of profile {profile!r} do not allow you now",
    "APPROVAL_REQUIRED": "profile {profile!r} needs an approval: POST /approvals, have an approver approve it, "
                         "then pass --approval-id",
    "SESSION_REVOKED": "this session has been revoked; ask the TVM's operators",
    "NOT_FOUND": "the endpoint has no such path; check --endpoint",
    "CONFIG_ERROR": "the TVM cannot read the access rules of {profile!r}; tell its operators",
    "CREDENTIAL_ERROR": "the TVM could not issue credentials for {profile!r}; tell its operators",
}


class ClientError(Exception):
    def __init__(self, code: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.code, self.exit_code = code, exit_code


def main(argv: Optional[Sequence[str]] = None, session: Optional[botocore.session.Session] = None,
         now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    args = _parser().parse_args(argv)
    try:
        print(json.dumps(fetch(args, session, now)))
        return 0
    except ClientError as error:
        print(f"tvm-credentials: {error.code}: {error}", file=sys.stderr)
        return error.exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cli.tvm_credentials", description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="the TVM's URL (stack output tvmEndpoint)")
    parser.add_argument("--profile", required=True, help="the TVM profile to get credentials for")
    parser.add_argument("--duration", type=int, help="session length in seconds (900-43200; the TVM may cut it)")
    parser.add_argument("--region", help="region of the endpoint (default: from its host name, then AWS_REGION)")
    parser.add_argument("--source-profile", help="AWS profile whose credentials sign the request")
    parser.add_argument("--approval-id", help="an approved approval request, for profiles that need one")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the TVM")
    return parser


def fetch(args: argparse.Namespace, session: Optional[botocore.session.Session],
          now: Callable[[], datetime]) -> dict:
    endpoint = args.endpoint.rstrip("/")
    _check_endpoint(endpoint)
    cache = None if args.no_cache else _cache_file(args)
    cached = _read_cache(cache, now()) if cache else None
    if cached:
        return cached
    session = session or botocore.session.Session(profile=args.source_profile)
    try:
        region = args.region or _region_of(endpoint) or session.get_config_variable("region")
    except BotoCoreError as error:
        raise ClientError("USAGE", f"cannot read the AWS configuration ({error})", EXIT_USAGE) from None
    if not region:
        raise ClientError("USAGE", "no region: pass --region", EXIT_USAGE)
    client = SigV4Client(region, "execute-api", session)
    if args.approval_id:
        method, url = "POST", endpoint + "/"
        body: Optional[dict] = {"profile": args.profile, "approval_id": args.approval_id,
                                **({"duration": args.duration} if args.duration is not None else {})}
    else:
        query = {"profile": args.profile, **({"duration": str(args.duration)} if args.duration is not None else {})}
        method, url, body = "GET", f"{endpoint}/?{urlencode(query)}", None
    try:
        status, _, answer = client.request(method, url, json_body=body, timeout=args.timeout)
    except (SigningError, BotoCoreError) as error:
        raise ClientError("NO_CREDENTIALS", f"no usable AWS credentials to sign with ({error}); "
                                            "check --source-profile", EXIT_USAGE) from None
    except OSError as error:
        reason = getattr(error, "reason", error)
        raise ClientError("UNREACHABLE", f"cannot reach the TVM ({reason})", EXIT_UNAVAILABLE) from None
    except http.client.HTTPException as error:  # its text is whatever the server sent: name the kind only
        raise ClientError("UNREACHABLE", f"the TVM's answer was not valid HTTP ({type(error).__name__})",
                          EXIT_UNAVAILABLE) from None
    result = _credentials(status, answer, args.profile)
    if cache:
        _write_cache(cache, result)
    return result


def _check_endpoint(endpoint: str) -> None:
    """https, or http to this machine only (a local stand-in): credentials never travel in clear."""
    host = http_host(endpoint)
    if not host or (urlsplit(endpoint).scheme == "http" and host not in LOOPBACK):
        raise ClientError("USAGE", "--endpoint must be an https:// URL (http:// only for 127.0.0.1, ::1 or "
                                   "localhost)", EXIT_USAGE)


def _credentials(status: int, body: bytes, profile: str) -> dict:
    try:
        answer = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    if status == 200:
        try:
            return {"Version": 1, "AccessKeyId": answer["AccessKeyId"], "SecretAccessKey": answer["SecretAccessKey"],
                    "SessionToken": answer["Token"], "Expiration": answer["Expiration"]}
        except KeyError:
            raise ClientError("BAD_RESPONSE", "the TVM answered 200 without credentials", EXIT_UNAVAILABLE) from None
    code = answer.get("error")
    if code in HINTS:
        message = HINTS[code].format(profile=profile, message=str(answer.get("message", ""))[:200])
        return _raise(code, message, EXIT_UNAVAILABLE if status >= 500 else EXIT_REFUSED)
    if status in (401, 403) and "message" in answer:   # API Gateway itself: no or a bad signature
        return _raise("ACCESS_DENIED", f"API Gateway refused the request: {str(answer['message'])[:200]}",
                      EXIT_REFUSED)
    return _raise("BAD_RESPONSE", f"unexpected answer from the TVM (HTTP {status})", EXIT_UNAVAILABLE)


def _raise(code: str, message: str, exit_code: int) -> dict:
    raise ClientError(code, message, exit_code)


def _region_of(endpoint: str) -> Optional[str]:
    match = _REGION_IN_HOST.search(urlsplit(endpoint).hostname or "")
    return match.group(1) if match else None


# -- cache ---------------------------------------------------------------------------------

def _cache_file(args: argparse.Namespace) -> Path:
    key = json.dumps([args.endpoint.rstrip("/"), args.profile, args.duration, args.source_profile,
                      os.environ.get("AWS_PROFILE")])
    return args.cache_dir / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def _read_cache(path: Path, now: datetime) -> Optional[dict]:
    try:
        info = path.stat()
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            path.unlink()   # readable by others: never trust or keep it
            return None
        cached = json.loads(path.read_text())
        expires = datetime.strptime(cached["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cached if expires - REFRESH_MARGIN > now else None


def _write_cache(path: Path, credentials: dict) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")   # created 0600
        with os.fdopen(handle, "w") as file:
            json.dump(credentials, file)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError:
        pass   # a cache that cannot be written only costs a call next time


if __name__ == "__main__":
    sys.exit(main())
