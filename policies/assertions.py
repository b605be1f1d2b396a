"""Assertions on the violations a policy run returns (policies/testing.py re-exports them): on failure they
list every violation found."""

from __future__ import annotations

from collections.abc import Sequence

from policies.diagnostics import Violation


def assert_violates(
    violations: Sequence[Violation],
    policy: str,
    *,
    contains: str | None = None,
    urn: str | None = None,
    level: str | None = None,
    count: int | None = None,
) -> Violation:
    """At least one (or exactly ``count``) violation of ``policy`` matching; returns the first."""
    matching = [
        v
        for v in violations
        if v.policy == policy
        and (contains is None or contains in v.message)
        and (urn is None or v.urn == urn)
        and (level is None or v.level == level)
    ]
    if not matching or (count is not None and len(matching) != count):
        shown = "\n".join(f"  [{v.level}] {v.policy} {v.urn}: {v.message}" for v in violations) or "  (none)"
        wanted = (
            f"{count if count is not None else 'a'} violation(s) of {policy}"
            + (f" containing {contains!r}" if contains else "")
            + (f" at {urn}" if urn else "")
            + (f" at level {level}" if level else "")
        )
        raise AssertionError(f"expected {wanted}; got {len(matching)}. All violations:\n{shown}")
    return matching[0]


def assert_passes(violations: Sequence[Violation], policy: str | None = None) -> None:
    """No violation (of ``policy``, when given)."""
    found = [v for v in violations if policy is None or v.policy == policy]
    if found:
        shown = "\n".join(f"  [{v.level}] {v.policy} {v.urn}: {v.message}" for v in found)
        raise AssertionError(f"expected no violation{' of ' + policy if policy else ''}; got:\n{shown}")
