"""The one check every command's URL argument gets."""

from __future__ import annotations

from urllib.parse import urlsplit


def http_host(url: str) -> str | None:
    """The host of an ``http://`` or ``https://`` URL whose port, if any, is a number; else None."""
    parts = urlsplit(url)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        return None
    return host if parts.scheme in ("https", "http") and host else None
