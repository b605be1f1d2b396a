"""The packs judged in a process forked before the program runs, so that their set-up overlaps it.

What judging needs before its first resource (pulumi_policy, the ``policies`` package, parliament and
its IAM definitions) takes about as long as the program's own run under the mocks; on two cores the
two can go side by side. ``start()`` forks a child that loads all of that and then waits; the parent
runs the program, hands the records over a pipe and reads back the child's ``preview.packs.judge``
result: the same function on the same input, only in another process.

The pipe is anonymous and shared only by the two processes, so pickle carries the records and the
verdicts. A child that fails to answer (killed, crashed) costs nothing but time: the parent judges
in-process instead. Only ``python -m preview`` forks, before it starts any thread; ``main()`` called
as a library never does, and ``PREVIEW_FAST_PROCESS=0`` turns this off with the rest of the fast path.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from collections.abc import Sequence
from typing import Any

_LENGTH = struct.Struct("!Q")


class PackWorker:
    """The parent's end: ``judge(...)`` once, or ``close()`` when the preview stops before judging."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self._pid, self._requests, self._replies = pid, requests, replies

    def judge(
        self,
        records: list[dict],
        packs: Sequence[Any],
        configs: Sequence[dict | None],
        use_grpc: bool = False,
        partial_input: bool = False,
    ) -> list[Any]:
        arguments = (records, list(packs), list(configs), use_grpc, partial_input)
        try:
            _send(self._requests, arguments)
            outcome, value = _receive(self._replies)
        except (OSError, EOFError, pickle.PickleError):
            outcome, value = "lost", None
        finally:
            self.close()
        if outcome == "ok":
            return value
        if outcome == "raised":
            raise value
        from preview.packs import judge  # the child did not answer: judge here

        return judge(*arguments)

    def close(self) -> None:
        for descriptor in (self._requests, self._replies):
            try:
                os.close(descriptor)
            except OSError:
                pass
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass
        self._requests = self._replies = -1


def start() -> PackWorker | None:
    """Fork the judging child; None where fork is not available."""
    if not hasattr(os, "fork"):
        return None
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # the child must not write out the parent's buffered output again
    pid = os.fork()
    if pid == 0:
        os.close(request_write)
        os.close(reply_read)
        _serve(request_read, reply_write)
    os.close(request_read)
    os.close(reply_write)
    return PackWorker(pid, request_write, reply_read)


def _serve(requests: int, replies: int) -> None:
    """The child: load, wait for the records, judge, answer, and end without the parent's exit handlers."""
    code = 0
    try:
        _load()
        arguments = _receive(requests)
        from preview.packs import judge

        reply: tuple[str, Any]
        try:
            reply = ("ok", judge(*arguments))
        except Exception as error:  # noqa: BLE001 - the parent raises it as if it had judged
            reply = ("raised", error)
        _send(replies, reply)
    except BaseException:  # noqa: BLE001 - no request (the parent stopped first), or no way to answer
        code = 1
    finally:
        os._exit(code)


def _load() -> None:
    """What the first Analyze call would otherwise load: the pack, pulumi_policy's servicer, parliament."""
    import policies.pack
    import preview.packs
    import preview.shared_views  # noqa: F401 - pulumi_policy's servicer, which judging imports lazily
    from policies.parliament_loader import load_parliament

    policies.pack.build_policies()
    load_parliament()


def _send(descriptor: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(os.dup(descriptor), "wb") as pipe:
        pipe.write(_LENGTH.pack(len(data)) + data)


def _receive(descriptor: int) -> Any:
    with os.fdopen(os.dup(descriptor), "rb") as pipe:
        header = pipe.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            raise EOFError("the other process closed the pipe")
        (length,) = _LENGTH.unpack(header)
        data = pipe.read(length)
    if len(data) < length:
        raise EOFError("the other process closed the pipe mid-message")
    return pickle.loads(data)
