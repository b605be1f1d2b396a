"""``Violation``: one diagnostic a policy reported, as both harnesses (policies.testing, preview.analysis) return it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """``message`` is what the policy reported (without the engine's description prefix)."""

    policy: str
    # "mandatory" | "advisory" | "remediate" (preview.analysis reports remediate as mandatory, as the engine does)
    level: str
    urn: str
    message: str
    pack: str = ""  # the pack's name, as GetAnalyzerInfo gives it (preview.packs sets it)
