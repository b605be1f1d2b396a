"""Where a preview runs: the region and account its fake outputs name, and a seed for random:* values."""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Place:
    region: str
    account: str = ACCOUNT_ID
    seed: str = ""  # varies what random:* resources return, as a second `pulumi up` would
