"""How `python -m preview` starts and ends, so that it costs little more than importing the SDKs.

pulumi_aws builds thousands of classes on import: the garbage collector would walk them over and
over while they are built and while the program runs, and tearing them down after the report is
printed takes about a second. So ``start()`` turns the collector off, and ``finish(code)`` runs the
exit handlers (logging's, which flush and close its files), flushes stdout and stderr and ends the
process with ``os._exit``: no teardown. Exit codes are the ones ``main`` returns; a report that
cannot be written (a closed pipe) ends with 120, as an ordinary interpreter exit does.

``PREVIEW_FAST_PROCESS=0`` turns both off (the tests compare the two paths).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Mapping
from typing import NoReturn

ENV_VAR = "PREVIEW_FAST_PROCESS"
_FLUSH_FAILED = 120  # what CPython exits with when flushing stdout fails at exit


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ENV_VAR, "1").strip() != "0"


def start() -> None:
    if enabled():
        gc.disable()


def finish(code: int) -> NoReturn:
    if not enabled():
        sys.exit(code)
    atexit._run_exitfuncs()  # what interpreter exit would run first
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = _FLUSH_FAILED if stream is sys.stdout else code
    os._exit(code)
