"""A tiny SigV4 HTTP client: botocore signs, the standard library sends.

Every request is signed with freshly frozen credentials (``get_frozen_credentials()`` on
the session's credentials, which refreshes them when they are about to expire), so a
rotated Lambda role session never breaks a warm container, and the access key, secret
and token used in one signature always belong together. The exact bytes signed are the
bytes sent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from lambdas.common.errors import PlatformError


class SigningError(PlatformError):
    """No credentials to sign with."""

    def __init__(self, message: str) -> None:
        super().__init__("NO_CREDENTIALS", message)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as its own status: following it would send the signature and the
    session token to whatever host the Location names, and a signature is for one host and path."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SigV4Client:
    def __init__(self, region: str, service: str = "execute-api", session: Any = None) -> None:
        self.region = region
        self.service = service
        self._session = session or botocore.session.get_session()
        # No proxy from the environment and no redirect: a signed request goes to its host alone.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

    def request(
        self,
        method: str,
        url: str,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one signed request; returns (status, headers, body) for every HTTP status, a 3xx included
        (never followed).
        Network failures raise ``OSError`` (``urllib.error.URLError``, timeouts) or
        ``http.client.HTTPException`` (a garbled status line, a truncated body)."""
        body = b"" if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        prepared = self.sign(method, url, body, headers)
        request = urllib.request.Request(
            url, data=body if body else None, method=method, headers=dict(prepared.headers.items())
        )
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers.items()), error.read()

    def sign(self, method: str, url: str, body: bytes, headers: Mapping[str, str] | None = None) -> AWSRequest:
        """The signed request (headers include Authorization, X-Amz-Date and the token)."""
        credentials = self._session.get_credentials()
        if credentials is None:
            raise SigningError("no AWS credentials to sign with")
        frozen = credentials.get_frozen_credentials()
        all_headers = {"Content-Type": "application/json", **(headers or {})} if body else dict(headers or {})
        aws_request = AWSRequest(method=method, url=url, data=body, headers=all_headers)
        SigV4Auth(frozen, self.service, self.region).add_auth(aws_request)
        return aws_request
