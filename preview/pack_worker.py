"""The packs judged in a process forked before the program runs, so that their set-up overlaps it.

What judging needs before its first resource (pulumi_policy, the ``policies`` package, parliament and
its IAM definitions) takes about as long as the program's own run under the mocks; on two cores the
two can go side by side. ``start()`` forks a child that loads all of that and then waits. The parent
says which packs will judge (``prepare``), offers each resource as the program registers it, so that
the child answers our pack's Analyze requests ahead (preview.analysis_ahead), then hands over the
records and reads back the child's ``preview.packs.judge`` result: the same function on the same input,
only in another process. The parent never waits on the pipe while the program runs: a thread writes.

The pipe is anonymous and shared only by the two processes, so pickle carries the records and the
verdicts. A child that fails to answer (killed, crashed) costs nothing but time: the parent judges
in-process instead. Only ``python -m preview`` forks, before it starts any thread; ``main()`` called
as a library never does, and ``PREVIEW_FAST_PROCESS=0`` turns this off with the rest of the fast path.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from preview.analysis_ahead import AnalyzeAhead

_LENGTH = struct.Struct("!Q")


class PackWorker:
    """The parent's end: ``prepare``, ``offer`` each record, then ``judge`` once; or ``close()`` when the
    preview stops before judging."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self._pid, self._requests, self._replies = pid, requests, replies
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_all, name="pack-worker-writer", daemon=True)
        self._writer.start()
        self._lost = False

    def prepare(
        self, packs: Sequence[Any], configs: Sequence[dict | None], use_grpc: bool, partial_input: bool
    ) -> None:
        self._post(("prepare", (list(packs), list(configs), use_grpc, partial_input)))

    def offer(self, record: dict) -> None:
        """Called from the SDK's threads as each resource registers: answering ahead only saves time, so a
        record that cannot be sent is skipped (judge() answers it), never a failure of the program."""
        try:
            self._post(("record", record))
        except Exception:  # noqa: BLE001 - pickle raises TypeError, AttributeError, PicklingError, ...
            pass

    def judge(
        self,
        records: list[dict],
        packs: Sequence[Any],
        configs: Sequence[dict | None],
        use_grpc: bool = False,
        partial_input: bool = False,
    ) -> list[Any]:
        arguments = (records, list(packs), list(configs), use_grpc, partial_input)
        outcome: str
        value: Any
        try:
            self._post(("judge", arguments))
            self._finish_writing()
            outcome, value = ("lost", None) if self._lost else _receive(self._replies)
        except Exception:  # noqa: BLE001 - records or verdicts that did not cross: judge here
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
        self._finish_writing()
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

    def _post(self, message: tuple[str, Any]) -> None:
        self._outbox.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def _finish_writing(self) -> None:
        if self._writer.is_alive():
            self._outbox.put(None)
            self._writer.join()

    def _write_all(self) -> None:
        while (data := self._outbox.get()) is not None:
            if not self._lost:
                try:
                    _write(self._requests, _LENGTH.pack(len(data)) + data)
                except OSError:
                    self._lost = True  # the child is gone: judge() judges here


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
    """The child: load, answer ahead while records come, judge, answer, and end without the parent's
    exit handlers."""
    code = 0
    try:
        _load()
        _send(replies, _judge_when_asked(requests))
    except BaseException:  # noqa: BLE001 - no request (the parent stopped first), or no way to answer
        code = 1
    finally:
        os._exit(code)


def _judge_when_asked(requests: int) -> tuple[str, Any]:
    from preview.packs import judge

    ahead: AnalyzeAhead | None = None
    prepared = None
    with os.fdopen(os.dup(requests), "rb") as pipe:
        while True:
            kind, payload = _read_message(pipe)
            if kind == "prepare":
                ahead, prepared = _ahead(*payload), payload
            elif kind == "record" and ahead is not None:
                ahead = _offered(ahead, payload)
            elif kind == "judge":
                break
    records, packs, configs, use_grpc, partial_input = payload
    same_packs = prepared == (packs, configs, use_grpc, partial_input)
    answered = ahead.answered if ahead is not None and same_packs else None
    try:
        return "ok", judge(records, packs, configs, use_grpc, partial_input, answered)
    except Exception as error:  # noqa: BLE001 - the parent raises it as if it had judged
        return "raised", error


def _ahead(packs: list[Any], configs: list[dict | None], use_grpc: bool, partial_input: bool) -> AnalyzeAhead | None:
    """Our pack's answers ahead, when it judges in-process; any trouble is left for judge() to meet."""
    from preview.analysis_ahead import AnalyzeAhead
    from preview.packs import in_process

    for pack, config in zip(packs, configs, strict=True):
        if in_process(pack, use_grpc):
            try:
                return AnalyzeAhead(config, partial_input)
            except Exception:  # noqa: BLE001 - a bad pack config: judge() reports it
                return None
    return None


def _offered(ahead: AnalyzeAhead, record: dict) -> AnalyzeAhead | None:
    try:
        ahead.offer(record)
        return ahead
    except Exception:  # noqa: BLE001 - judge() analyzes this resource itself and meets the error there
        ahead.close()
        return None


def _load() -> None:
    """What the first Analyze call would otherwise load: the pack, pulumi_policy's servicer, parliament."""
    import policies.pack
    import preview.analysis_ahead
    import preview.packs
    import preview.shared_views  # noqa: F401 - pulumi_policy's servicer, which judging imports lazily
    from policies.parliament_loader import load_parliament

    policies.pack.build_policies()
    load_parliament()


def _write(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _send(descriptor: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    _write(descriptor, _LENGTH.pack(len(data)) + data)


def _read_message(pipe: Any) -> Any:
    header = pipe.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError("the other process closed the pipe")
    (length,) = _LENGTH.unpack(header)
    data = pipe.read(length)
    if len(data) < length:
        raise EOFError("the other process closed the pipe mid-message")
    return pickle.loads(data)


def _receive(descriptor: int) -> Any:
    with os.fdopen(os.dup(descriptor), "rb") as pipe:
        return _read_message(pipe)
