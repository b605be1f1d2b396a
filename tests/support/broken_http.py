"""A loopback server that answers one request with exactly the bytes it is given: a garbled or incomplete
HTTP reply, a redirect, a huge body, or a reply dripped one byte at a time; in clear or over TLS."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def broken_http_server(
    answer: bytes, pause: float = 0.0, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, list[bytes]]]:
    """Yields the server's base URL and the requests it received; it reads one request and sends ``answer``
    (with ``pause`` > 0, one byte every ``pause`` seconds). It stops sending when the client hangs up.
    With ``tls`` (a server context) it speaks TLS and the URL is ``https://127.0.0.1:PORT``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    requests: list[bytes] = []

    def serve_one() -> None:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            try:
                with tls.wrap_socket(connection, server_side=True) if tls else connection as channel:
                    requests.append(channel.recv(65536))
                    _send(channel, answer, pause)
            except OSError:
                pass  # the client hung up or refused the certificate: that is what some tests expect of it

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.getsockname()[1]}", requests
    finally:
        try:
            server.shutdown(socket.SHUT_RDWR)  # wakes an accept() still waiting (close() alone does not)
        except OSError:
            pass
        server.close()
        thread.join(timeout=2)


def _send(connection: socket.socket, answer: bytes, pause: float) -> None:
    if not pause:
        connection.sendall(answer)
        return
    for offset in range(len(answer)):
        connection.sendall(answer[offset : offset + 1])
        time.sleep(pause)
