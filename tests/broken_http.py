"""A loopback server that answers one request with bytes that are not a complete HTTP reply."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def broken_http_server(answer: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """Yields the server's base URL and the requests it received; it reads one request and sends ``answer``."""
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
            requests.append(connection.recv(65536))
            connection.sendall(answer)

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", requests
    finally:
        server.close()
        thread.join(timeout=2)
