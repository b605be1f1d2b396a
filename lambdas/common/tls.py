"""One TLS context per container for the database connections.

PyMySQL builds a new ``ssl.SSLContext`` on every connect that is not given one (about 20 ms
of CPU with the system's CA store loaded); ``tls_context()`` builds it once per process.
"""

from __future__ import annotations

import ssl
from functools import lru_cache


@lru_cache(maxsize=4)
def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Without ``ca_file`` the channel is encrypted (TLS 1.2 or later) but the server's
    certificate is not checked, as PyMySQL does by default; with it (e.g. the RDS CA
    bundle) the certificate and the host name are checked."""
    if ca_file:
        context = ssl.create_default_context(cafile=ca_file)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
