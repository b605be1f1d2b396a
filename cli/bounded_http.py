"""One HTTP exchange with a deadline for the whole call, a cap on the answer, and no redirects.

Why not urllib: its default opener follows redirects and re-sends every request header (a
SigV4 ``Authorization`` and ``X-Amz-Security-Token`` included) to whatever host the
``Location`` names, and its timeout limits each socket operation, so a server that drips
one byte at a time holds the caller for as long as it likes. Here ``http.client`` sends
exactly one request to the URL's host, a 3xx comes back as an answer like any other, the
body is read in pieces up to ``max_body + 1`` bytes, and the exchange runs in a worker
thread that the caller stops waiting for at the deadline (its socket is then shut down,
which ends the worker's blocked read). The deadline covers name resolution, connect, the
TLS handshake, sending and reading. No proxy settings are read: a signed request goes
straight to its host.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

Answer = tuple[int, dict[str, str], bytes]
_Connection = http.client.HTTPConnection | http.client.HTTPSConnection
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DeadlineExceeded(TimeoutError):
    """No complete answer before the deadline."""


class AnswerTooLarge(Exception):
    """The answer's body is longer than allowed."""


def exchange(method: str, url: str, headers: Mapping[str, str], body: bytes, timeout: float, max_body: int) -> Answer:
    """Send one request; (status, headers, body) for every status, 3xx included.
    Raises ``DeadlineExceeded`` after ``timeout`` seconds, ``AnswerTooLarge`` past ``max_body``
    bytes, ``OSError`` (network, TLS) or ``http.client.HTTPException`` (not valid HTTP)."""
    parts = urlsplit(url)
    connection = _connection(parts, timeout)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["answer"] = _exchange(connection, method, _target(parts), headers, body, max_body)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, which re-raises it
            outcome["error"] = error

    worker = threading.Thread(target=work, name="bounded-http", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _cut(connection)
        raise DeadlineExceeded(f"no complete answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["answer"]  # type: ignore[return-value]


def host_header(url: str) -> str:
    """The Host header ``exchange`` sends for ``url`` (sign with it, so the signed host is the sent one)."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else (parts.hostname or "")
    return host if parts.port in (None, _DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{parts.port}"


def _connection(parts: SplitResult, timeout: float) -> _Connection:
    host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme]
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _exchange(
    connection: _Connection, method: str, target: str, headers: Mapping[str, str], body: bytes, max_body: int
) -> Answer:
    try:
        connection.request(method, target, body=body or None, headers=dict(headers))
        response = connection.getresponse()
        try:
            return response.status, dict(response.headers.items()), _read_capped(response, max_body)
        finally:
            response.close()  # the response holds the socket open until it is closed too
    finally:
        connection.close()


def _read_capped(response: http.client.HTTPResponse, max_body: int) -> bytes:
    if response.length is not None and response.length > max_body:
        raise AnswerTooLarge(f"the answer announces {response.length} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(max_body + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body:
            raise AnswerTooLarge(f"the answer is longer than {max_body} bytes")
    if response.length:  # the connection ended before the announced length
        raise http.client.IncompleteRead(b"".join(chunks), response.length)
    return b"".join(chunks)


def _cut(connection: _Connection) -> None:
    """Wake the worker's blocked read. Shut down, not closed: the worker still owns the descriptor."""
    sock: socket.socket | None = connection.sock
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS
    except OSError:
        pass
