"""The requirements files that remain repeat pins of pyproject.toml; they must not drift from it.

policies/requirements.txt is what the Pulumi CLI installs for the pack; lambdas/requirements.txt says what the
Lambda code needs at run time. uv installs every package from pyproject.toml and uv.lock.
"""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def _parse(line: str) -> tuple[str, str]:
    match = _NAME.match(line.split("#", 1)[0].strip())
    assert match, line
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(3).replace(" ", "")


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entries = list(project["project"]["dependencies"])
    for group in project["dependency-groups"].values():
        entries += [entry for entry in group if isinstance(entry, str)]
    return dict(_parse(entry) for entry in entries)


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


@pytest.mark.parametrize("path", ["policies/requirements.txt", "lambdas/requirements.txt"])
def test_requirements_file_repeats_pyproject_pins(path):
    pins = _pyproject_pins()
    for line in _requirement_lines(ROOT / path):
        name, spec = _parse(line)
        assert name in pins, f"{path}: {name} is not in pyproject.toml"
        assert pins[name] == spec, f"{path}: {name}{spec}, pyproject.toml has {name}{pins[name]}"


def test_parse_normalises_names_and_keeps_extras_out():
    assert _parse("moto[iam,sts]>=5.2,<6   # 5.2.5") == ("moto", ">=5.2,<6")
    assert _parse("PyYAML >= 6, <7") == ("pyyaml", ">=6,<7")
