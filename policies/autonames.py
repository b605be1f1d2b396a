"""Recognising names Pulumi generated.

By default Pulumi names a resource ``<logical name>-<7 random hex digits>``. Only the engine
records which properties it generated (``__defaults`` in state), and it strips such internal
keys before sending properties to a policy pack, so a rule has to recognise the pattern.
"""

import re


def is_autoname(physical_name: str, logical_name: str) -> bool:
    return re.fullmatch(re.escape(logical_name) + r"-[0-9a-f]{7}", physical_name) is not None


def is_name_or_autoname(physical_name: str, logical_name: str) -> bool:
    return physical_name == logical_name or is_autoname(physical_name, logical_name)
