"""The credential client's private cache: one file per question, checked again on every read.

A file's name is a hash of everything that changes the TVM's answer: the endpoint, the
region it is signed for, the TVM profile, the duration, the approval id, and who signs
(``--source-profile`` and the environment botocore picks an identity from: ``AWS_PROFILE``,
``AWS_DEFAULT_PROFILE``, ``AWS_ACCESS_KEY_ID``, ``AWS_CONFIG_FILE``,
``AWS_SHARED_CREDENTIALS_FILE``). Secrets are never part of the key. The signing
identity's own access key is not either: a role or Identity Center profile gets a new one
on every refresh, which would make every lookup a miss.

Files live in a 0700 directory, are written 0600 through a temporary file and a rename,
and are used only when they belong to the user, nobody else can read them, and their
content is still a valid credential_process answer (``process_credentials``) more than
``REFRESH_MARGIN`` from expiry. Any other file is deleted, so the next call asks the TVM.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from cli.process_credentials import InvalidCredentials, expiration_of, revalidated

REFRESH_MARGIN = timedelta(minutes=5)
IDENTITY_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
_KEY_VERSION = 2  # bump when the key's parts change, so old files are simply never found


def cache_file(directory: Path, question: Sequence[object]) -> Path:
    """The file for ``question`` (the request's parts); the signer's environment is added here."""
    key = json.dumps([_KEY_VERSION, *question, *(os.environ.get(name) for name in IDENTITY_ENVIRONMENT)])
    return directory / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def read_cache(path: Path, now: datetime) -> dict | None:
    """The cached answer if it is private, valid and not close to expiry; a bad file is deleted."""
    try:
        info = path.stat()
    except OSError:
        return None
    try:
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise InvalidCredentials("readable by others: never trust or keep it")
        cached = revalidated(json.loads(path.read_text()), now)
    except (OSError, ValueError, RecursionError):  # InvalidCredentials and JSON errors are ValueErrors
        _discard(path)
        return None
    return cached if expiration_of(cached) - REFRESH_MARGIN > now else None


def write_cache(path: Path, credentials: dict) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # created 0600
        with os.fdopen(handle, "w") as file:
            json.dump(credentials, file)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs a call next time


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
