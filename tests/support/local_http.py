"""One HTTP server for the tests' stand-ins (the SigV4 gateway, Slack), on 127.0.0.1 only.

``serve(app)`` listens on a free port in a thread and yields its base URL; ``app(method,
target, headers, body)`` answers ``(status, headers, body)``, where ``target`` is the path with
its query string and ``headers`` keeps the case the client sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]
App = Callable[[str, str, dict[str, str], bytes], Answer]


def json_answer(status: int, document: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


class _Handler(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, data = self.server.app(self.command, self.path, dict(self.headers.items()), body)  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server names

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@contextmanager
def serve(app: App) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
