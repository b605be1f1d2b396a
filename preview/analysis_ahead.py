"""Our own pack's Analyze answers computed while the program still registers resources.

An Analyze response depends on the request and the pack's configuration alone (the servicer keeps no
state between requests), so a servicer configured as the judging one will be can answer each resource
as soon as it is registered; ``preview.packs.judge`` then sends only the requests not answered yet
(``answered``, keyed by the request's bytes: a resource registered again, or whose provider came later,
simply misses). preview.pack_worker's child runs this while the parent runs the program.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from google.protobuf import empty_pb2

from preview.analysis import analyze_request
from preview.pack_config import configure_request
from preview.transports import DEFAULT_PACK_DIR, analyzer_in_process


class AnalyzeAhead:
    def __init__(self, pack_config: dict | None, partial_input: bool = False) -> None:
        self.answered: dict[bytes, Any] = {}
        self._records: dict[str, dict] = {}
        self._open = ExitStack()
        self._call = self._open.enter_context(analyzer_in_process(DEFAULT_PACK_DIR))
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        self._call("Configure", configure_request(info, pack_config or {}, partial_input))

    def offer(self, record: dict) -> None:
        self._records[record["urn"]] = record
        if record.get("external"):
            return
        request = analyze_request(record, self._records)
        self.answered[request.SerializeToString(deterministic=True)] = self._call("Analyze", request)

    def close(self) -> None:
        self._open.close()
