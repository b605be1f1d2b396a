"""ContainerState: built once per container, rebuilt after reset with the new overrides."""

from __future__ import annotations

from lambdas.common.container import ContainerState


def test_built_once_and_rebuilt_after_reset_with_the_new_overrides():
    builds = []

    def build(overrides):
        builds.append(dict(overrides))
        return object()

    state = ContainerState(build)
    overrides = state.overrides
    first = state.get()
    assert state.get() is first and builds == [{}]
    state.reset(client="stub")
    second = state.get()
    assert second is not first and builds == [{}, {"client": "stub"}]
    assert state.overrides is overrides and overrides == {"client": "stub"}
    state.reset()
    assert overrides == {} and state.get() is not second
