"""Policy packs named with ``--pack DIR``: read each one's PulumiPolicy.yaml, start it the way the
Pulumi CLI does (Python: ``python -m pulumi.policy``; Node: ``node
node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine address> .`` in the pack's directory), and
run the engine's request sequence on it. Every violation names the pack that reported it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format

from preview.analysis import Violation, run_pack
from preview.pack_config import LEVEL_NAMES
from preview.project import virtualenv_python
from preview.stack_files import StackFileError, load_yaml
from preview.transports import DEFAULT_PACK_DIR, ENGINE_ADDRESS, Call, analyzer_in_process, analyzer_subprocess

POLICY_FILE = "PulumiPolicy.yaml"
NODE_ENTRY = Path("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack")
RUNTIMES = ("python", "nodejs")


class PackError(Exception):
    """A --pack directory that cannot be run; one line."""


@dataclass(frozen=True)
class PackDir:
    path: Path
    runtime: str  # "python" | "nodejs"
    version: str = ""  # PulumiPolicy.yaml's, else package.json's
    interpreter: Path | None = None  # a Python pack's own virtualenv interpreter


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    level: str


@dataclass(frozen=True)
class PackRun:
    """One pack's verdicts, with what a report needs to describe its rules."""

    name: str
    version: str
    path: str
    policies: tuple[Policy, ...]
    violations: tuple[Violation, ...]


def read_pack(path: Path) -> PackDir:
    if not path.is_dir():
        raise PackError(f"{path}: --pack needs a policy pack directory")
    if not (path / POLICY_FILE).is_file():
        raise PackError(f"{path}: not a policy pack (no {POLICY_FILE})")
    try:
        document = load_yaml(path / POLICY_FILE)
    except StackFileError as error:
        raise PackError(f"{path}: {error}") from None
    runtime, options = _runtime(document.get("runtime"))
    if runtime not in RUNTIMES:
        raise PackError(f"{path / POLICY_FILE}: runtime {runtime!r}; --pack runs python and nodejs packs")
    version = str(document.get("version") or _package_version(path))
    if runtime == "nodejs":
        _check_node(path)
        return PackDir(path.resolve(), runtime, version)
    return PackDir(path.resolve(), runtime, version, _virtualenv_python(path, options))


def _runtime(value: Any) -> tuple[str | None, Mapping[str, Any]]:
    """``runtime: python`` or ``runtime: {name: python, options: {virtualenv: venv}}``."""
    if isinstance(value, Mapping):
        options = value.get("options")
        return value.get("name"), options if isinstance(options, Mapping) else {}
    return value, {}


def _package_version(path: Path) -> str:
    try:
        return str(json.loads((path / "package.json").read_text()).get("version") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def _check_node(path: Path) -> None:
    if shutil.which("node") is None:
        raise PackError(f"{path}: a nodejs pack needs node on PATH (Debian: apt-get install nodejs npm)")
    if not (path / NODE_ENTRY).is_dir():
        raise PackError(
            f"{path}: the pack's dependencies are not installed (no {NODE_ENTRY}); run npm install in {path}"
        )


def _virtualenv_python(path: Path, options: Mapping[str, Any]) -> Path | None:
    venv = options.get("virtualenv")
    if not venv:
        return None
    python = virtualenv_python(path, venv)
    if python is None:
        raise PackError(
            f"{path / POLICY_FILE}: virtualenv {venv} has no bin/python; create it and install "
            "the pack's requirements.txt into it"
        )
    return python


def open_pack(pack: PackDir, use_grpc: bool = False) -> AbstractContextManager[Call]:
    """Our own pack runs in-process unless ``use_grpc``; every other pack in its own process."""
    if pack.runtime == "nodejs":
        return analyzer_subprocess(pack.path, ["node", str(NODE_ENTRY), ENGINE_ADDRESS, "."])
    if in_process(pack, use_grpc):
        return analyzer_in_process(pack.path)
    if pack.interpreter is not None:
        return analyzer_subprocess(pack.path, [str(pack.interpreter), "-m", "pulumi.policy", ENGINE_ADDRESS, "."])
    return analyzer_subprocess(pack.path)


def judge(
    records: list[dict],
    packs: Sequence[PackDir],
    configs: Sequence[dict | None],
    use_grpc: bool = False,
    partial_input: bool = False,
    answered: Mapping[bytes, Any] | None = None,
) -> list[PackRun]:
    """Each pack in turn, with the pack config given for it (``configs[i]`` for ``packs[i]``).

    ``answered``: our own in-process pack's Analyze responses, by request bytes, from a servicer
    configured alike (preview.analysis_ahead); a request among them is not sent again."""
    return [
        _judge_one(records, pack, config, use_grpc, partial_input, answered)
        for pack, config in zip(packs, configs, strict=True)
    ]


def in_process(pack: PackDir, use_grpc: bool) -> bool:
    return pack.runtime == "python" and pack.path == DEFAULT_PACK_DIR and not use_grpc and pack.interpreter is None


def _judge_one(
    records: list[dict],
    pack: PackDir,
    config: dict | None,
    use_grpc: bool,
    partial_input: bool,
    answered: Mapping[bytes, Any] | None,
) -> PackRun:
    with open_pack(pack, use_grpc) as sent:
        call = _answered_first(sent, answered) if answered and in_process(pack, use_grpc) else sent
        info = call("GetAnalyzerInfo", empty_pb2.Empty())
        violations = run_pack(call, records, config or {}, partial_input)
    policies = tuple(
        Policy(p.name, p.description, LEVEL_NAMES.get(p.enforcementLevel, "advisory")) for p in info.policies
    )
    version = pack.version or json_format.MessageToDict(info).get("version", "")
    return PackRun(info.name, version, str(pack.path), policies, tuple(replace(v, pack=info.name) for v in violations))


def _answered_first(call: Call, answered: Mapping[bytes, Any]) -> Call:
    def answer(method: str, request: Any) -> Any:
        if method == "Analyze":
            known = answered.get(request.SerializeToString(deterministic=True))
            if known is not None:
                return known
        return call(method, request)

    return answer


def all_violations(runs: Sequence[PackRun]) -> list[Violation]:
    return [v for run in runs for v in run.violations]
