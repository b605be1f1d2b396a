"""Two ways to reach the pack: pulumi-policy's servicer in-process, or the real analyzer
subprocess over gRPC, started as the Pulumi CLI starts it. Both yield ``call(method, request)``."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import analyzer_pb2_grpc

DEFAULT_PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
# PolicyPack always reports this version; the engine shows PulumiPolicy.yaml's instead, except
# inside the SDK's own "can't run policy ... during preview" messages.
SDK_PACK_VERSION = "0.0.1"
# `python -m pulumi.policy` and Node's run-policy-pack only parse the engine address; nothing dials it.
ENGINE_ADDRESS = "127.0.0.1:0"
_START_TIMEOUT_SECONDS = 30.0
_RPC_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 5.0
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]

Call = Callable[[str, Any], Any]
"""``call("Analyze", request)``: one analyzer RPC, over whichever transport."""


@contextlib.contextmanager
def analyzer_in_process(pack_dir: Path) -> Iterator[Call]:
    if pack_dir.resolve() != DEFAULT_PACK_DIR:
        raise ValueError(f"in-process analysis runs the `policies` package; use use_grpc=True for {pack_dir}")
    # Loaded here, not on import: a process that only runs the program (preview.pack_worker) never needs them.
    from policies.pack import INITIAL_CONFIG, PACK_ENFORCEMENT_LEVEL, PACK_NAME, build_policies
    from preview.shared_views import SharedViewsServicer

    # The arguments PolicyPack passes to the servicer it serves.
    servicer = SharedViewsServicer(
        PACK_NAME, SDK_PACK_VERSION, build_policies(), PACK_ENFORCEMENT_LEVEL, INITIAL_CONFIG
    )
    yield lambda method, request: getattr(servicer, method)(request, None)


@contextlib.contextmanager
def analyzer_subprocess(pack_dir: Path, command: Sequence[str] | None = None) -> Iterator[Call]:
    """The pack started as the Pulumi CLI starts it; always stopped, even on error.

    ``command``: the argv that starts it (preview.packs gives a Node pack's or another interpreter's);
    by default this interpreter's ``-m pulumi.policy``."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            list(command or [sys.executable, "-m", "pulumi.policy", ENGINE_ADDRESS, str(pack_dir)]),
            cwd=pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            # PolicyPack writes its port without flushing: buffered, it would never reach the pipe.
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            port = _read_port(process, stderr, pack_dir)
            with grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS) as channel:
                grpc.channel_ready_future(channel).result(timeout=_START_TIMEOUT_SECONDS)
                stub = analyzer_pb2_grpc.AnalyzerStub(channel)
                yield lambda method, request: getattr(stub, method)(request, timeout=_RPC_TIMEOUT_SECONDS)
        finally:
            _stop(process)


def _read_port(process: subprocess.Popen, stderr: Any, pack_dir: Path) -> int:
    """The analyzer prints its port on the first line of stdout once it serves."""
    assert process.stdout is not None  # started with stdout=PIPE
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=_START_TIMEOUT_SECONDS):
            raise RuntimeError(f"policy pack did not start within {_START_TIMEOUT_SECONDS:.0f} s")
    line = process.stdout.readline().strip()
    if line.isdigit():
        return int(line)
    if not line:  # the pack is exiting: let it finish writing its error
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    stderr.seek(0)
    detail = stderr.read().decode(errors="replace").strip()
    raise RuntimeError(f"policy pack in {pack_dir} failed to start (stdout {line!r}):\n{detail}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    if process.stdout is not None:
        process.stdout.close()
