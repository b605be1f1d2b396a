"""A Node policy pack made runnable: its node_modules installed once into a cache directory.

The cache is keyed by the pack's package.json (exact versions pinned there, no lock file kept in
the repository), so repeated runs install nothing. Used by the tests and bench/compare_packs.py.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

CACHE_ROOT = Path(os.environ.get("IAM_PLATFORM_NODE_CACHE", Path.home() / ".cache" / "iam-platform" / "node-packs"))
_STAMP = ".installed"
_INSTALL_TIMEOUT_SECONDS = 600


class NodeUnavailable(Exception):
    """node or npm is not on PATH."""


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ready_pack(source: Path) -> Path:
    """A copy of the pack at ``source`` with its dependencies installed; the same directory each run."""
    if not node_available():
        raise NodeUnavailable("node and npm are needed (Debian: apt-get install nodejs npm)")
    manifest = (source / "package.json").read_bytes()
    target = CACHE_ROOT / f"{source.name}-{hashlib.sha256(manifest).hexdigest()[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:  # pytest-xdist workers share the cache
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / _STAMP).exists():
            _install(manifest, target)
        for path in source.iterdir():  # the pack's own files, fresh each run
            if path.is_file():
                _replace_if_changed(path, target / path.name)
    return target


def _replace_if_changed(source: Path, target: Path) -> None:
    """Another worker may be running the pack (reading these files) while this one prepares it: a file is
    only ever replaced whole (rename), and only when it changed."""
    data = source.read_bytes()
    if target.is_file() and target.read_bytes() == data:
        return
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_bytes(data)
    os.replace(partial, target)


def _install(manifest: bytes, target: Path) -> None:
    (target / "package.json").write_bytes(manifest)
    result = subprocess.run(
        ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
        cwd=target,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=_INSTALL_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm install in {target} failed:\n{result.stderr.strip()[-2000:]}")
    (target / _STAMP).write_text("")
