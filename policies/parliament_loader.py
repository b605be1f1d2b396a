"""parliament, imported without pkg_resources.

parliament 1.6 imports pkg_resources for one thing: ``resource_filename`` of two files beside its own
``__init__.py``. pkg_resources costs about 0.1 s to import (more than half of parliament's import),
warns that it is deprecated, and setuptools 81 removes it. So, unless pkg_resources is already
loaded, a stand-in that answers ``resource_filename`` from the package's own folder takes its place
in ``sys.modules`` for the length of parliament's import, and the previous entry is put back after.
A parliament that asks the stand-in for more is imported again with the real pkg_resources.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager

_MISSING = object()
_IMPORTING = threading.RLock()  # the stand-in must not be seen by another thread's import of pkg_resources


def load_parliament() -> types.ModuleType:
    return import_without_pkg_resources("parliament")


def import_without_pkg_resources(name: str) -> types.ModuleType:
    """Thread-safe: a module another thread is still importing is waited for, never returned half-built."""
    with _IMPORTING:
        if name in sys.modules or "pkg_resources" in sys.modules:
            return importlib.import_module(name)
        try:
            with _pkg_resources_stand_in():
                return importlib.import_module(name)
        except AttributeError:  # a version that asks more of pkg_resources: import it with the real one
            return importlib.import_module(name)


def resource_filename(package: str, name: str) -> str:
    """pkg_resources.resource_filename for a file inside an installed (not zipped) package."""
    module = sys.modules.get(package)
    spec = module.__spec__ if module is not None else importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not an installed package")
    return os.path.join(next(iter(spec.submodule_search_locations)), name)


@contextmanager
def _pkg_resources_stand_in() -> Iterator[None]:
    stand_in = types.ModuleType("pkg_resources", "resource_filename only, for parliament's import")
    stand_in.resource_filename = resource_filename  # type: ignore[attr-defined]
    previous = sys.modules.get("pkg_resources", _MISSING)
    sys.modules["pkg_resources"] = stand_in
    try:
        yield
    finally:
        if previous is _MISSING:
            sys.modules.pop("pkg_resources", None)
        else:
            sys.modules["pkg_resources"] = previous  # type: ignore[assignment]
