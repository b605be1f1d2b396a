"""Which path a Slack conversation takes while the API Gateway rollout is partial.

A key's bucket is a stable hash (SHA-256, the same on every machine and process; Python's
``hash()`` is salted per process) mapped to 0..9999. A key goes to the API when its bucket
is below ``percent`` × 100, so:

- deterministic: the same key always gets the same answer at a given percent;
- monotone: a key on the API at p % stays there at every higher percent;
- proportional: over many keys the share on the API is p % (buckets are uniform).

The key is the conversation (channel and thread), so one conversation stays on one path.
"""

from __future__ import annotations

import hashlib

BUCKETS = 10_000


def bucket(key: str) -> int:
    """The key's bucket in 0..9999."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def routes_to_api(key: str, percent: int) -> bool:
    """True when ``key`` goes through API Gateway at ``percent`` (0-100)."""
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError("percent must be a whole number from 0 to 100")
    return bucket(key) < percent * (BUCKETS // 100)


def conversation_key(channel: str, thread_ts: str) -> str:
    return f"{channel}:{thread_ts}"
