"""preview/recorder.py runs the program without the SDK's stack-trace capture (the mock monitor reads no
source position): the records and outputs are the same as with it, and the SDK's own capture is back after."""

from __future__ import annotations

import contextlib

from pulumi.runtime import resource as sdk_resource

import preview.recorder as recorder
from tests.support.harness import run_stack


def test_the_records_are_the_same_with_the_sdks_stack_traces(monkeypatch):
    without = run_stack("dev")
    assert sdk_resource._get_stack_trace.__module__ == "pulumi.runtime.resource"
    monkeypatch.setattr(recorder, "_no_stack_traces", contextlib.nullcontext)
    with_traces = run_stack("dev")
    assert without.records and without.records == with_traces.records
    assert without.outputs == with_traces.outputs


def test_the_capture_is_off_during_the_run_only():
    seen = []
    with recorder._no_stack_traces():
        seen.append(sdk_resource._get_stack_trace())
    assert list(seen[0].frames) == []
    assert sdk_resource._get_stack_trace.__name__ == "_get_stack_trace"
