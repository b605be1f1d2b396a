"""Recognising names Pulumi generated.

By default Pulumi names a resource ``<logical name>-<7 random hex digits>``. Only the engine
records which properties it generated (``__defaults`` in state), and it strips such internal
keys before sending properties to a policy pack, so a rule has to recognise the pattern. A
project can change the pattern (Pulumi's ``pulumi:autonaming`` config, e.g.
``${project}-${stack}-${name}-${alphanum(6)}``); ``autoname_regex`` reads such patterns.
"""

import re

DEFAULT_PATTERN = "${name}-${hex(7)}"
_SIZED = {"hex": "[0-9a-f]", "alphanum": "[0-9a-z]", "string": "[a-z]", "num": "[0-9]"}
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
# What a pattern may hold: text and Pulumi's autonaming expressions (the schema's check).
PATTERN_SYNTAX = (
    r"^([^$]|\$\{(name|project|stack|organization|uuid|(hex|alphanum|string|num)\([1-9][0-9]*\)"
    r"|config\.[^}]+)\})*$"
)


def is_autoname(physical_name: str, logical_name: str) -> bool:
    return re.fullmatch(re.escape(logical_name) + r"-[0-9a-f]{7}", physical_name) is not None


def is_name_or_autoname(physical_name: str, logical_name: str) -> bool:
    return physical_name == logical_name or is_autoname(physical_name, logical_name)


def autoname_regex(pattern: str, logical_name: str, stack: str, project: str) -> re.Pattern[str]:
    """The names ``pattern`` generates for a resource; random parts match any value of their kind,
    ``${organization}`` and ``${config.<key>}`` (not in a resource's URN) any non-empty text."""
    parts, end = [], 0
    for match in _EXPRESSION.finditer(pattern):
        literal = re.escape(pattern[end : match.start()])
        parts += [literal, _expression_regex(match.group(1), logical_name, stack, project)]
        end = match.end()
    parts.append(re.escape(pattern[end:]))
    return re.compile("".join(parts), re.IGNORECASE if "alphanum" in pattern or "string" in pattern else 0)


def _expression_regex(expression: str, logical_name: str, stack: str, project: str) -> str:
    literal = {"name": logical_name, "stack": stack, "project": project}.get(expression)
    if literal is not None:
        return re.escape(literal)
    if expression == "uuid":
        return r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    sized = re.fullmatch(r"(\w+)\((\d+)\)", expression)
    if sized and sized.group(1) in _SIZED:
        return f"{_SIZED[sized.group(1)]}{{{sized.group(2)}}}"
    return r".+"
