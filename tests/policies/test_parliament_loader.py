"""parliament imported through a pkg_resources stand-in: the same files, the same findings, nothing left behind."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policies import parliament_loader

REPO = Path(__file__).resolve().parents[2]

LOAD = """
import json, sys
from policies.parliament_loader import load_parliament
parliament = load_parliament()
policy = parliament.analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}]}), ignore_private_auditors=True)
print(json.dumps({"pkg_resources": "pkg_resources" in sys.modules,
                  "paths": [parliament.iam_definition_path, parliament.config_path],
                  "findings": sorted(f.issue for f in policy.findings)}))
"""

REAL_PATHS = """
import json, warnings
warnings.simplefilter("ignore")
import pkg_resources
names = ("iam_definition.json", "config.yaml")
print(json.dumps([pkg_resources.resource_filename("parliament", name) for name in names]))
"""


def _python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )


def test_parliament_loads_without_pkg_resources_and_still_finds_what_it_found() -> None:
    done = _python(LOAD, "-W", "error::UserWarning")  # pkg_resources' deprecation warning would stop the import
    loaded = json.loads(done.stdout)
    assert loaded["pkg_resources"] is False
    assert loaded["paths"] == json.loads(_python(REAL_PATHS).stdout)
    assert "UNKNOWN_ACTION" in loaded["findings"]
    assert "pkg_resources" not in done.stderr


def test_an_already_loaded_pkg_resources_is_used_as_it_is() -> None:
    code = "import warnings; warnings.simplefilter('ignore'); import pkg_resources; real = pkg_resources\n" + LOAD
    code += "\nassert sys.modules['pkg_resources'] is real"
    assert json.loads(_python(code).stdout.splitlines()[-1])["pkg_resources"] is True


@pytest.fixture
def package_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("finds_its_file", "asks_for_more"):
        sys.modules.pop(name, None)


def _package(root: Path, name: str, body: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(textwrap.dedent(body))
    (root / name / "data.json").write_text("{}")


def test_the_stand_in_answers_from_the_package_folder_and_is_removed_after(package_dir: Path) -> None:
    _package(
        package_dir,
        "finds_its_file",
        """
        import pkg_resources
        path = pkg_resources.resource_filename(__name__, "data.json")
        stand_in = pkg_resources
    """,
    )
    previous = sys.modules.pop("pkg_resources", None)
    try:
        module = parliament_loader.import_without_pkg_resources("finds_its_file")
        assert "pkg_resources" not in sys.modules
    finally:
        if previous is not None:
            sys.modules["pkg_resources"] = previous
    assert Path(module.path) == package_dir / "finds_its_file" / "data.json"
    assert module.stand_in.__name__ == "pkg_resources" and not hasattr(module.stand_in, "get_distribution")


@pytest.mark.filterwarnings("ignore:pkg_resources is deprecated:UserWarning")
def test_a_package_that_asks_for_more_is_imported_with_the_real_pkg_resources(package_dir: Path) -> None:
    _package(
        package_dir,
        "asks_for_more",
        """
        import pkg_resources
        version_of = pkg_resources.get_distribution
        real = pkg_resources
    """,
    )
    module = parliament_loader.import_without_pkg_resources("asks_for_more")
    assert module.real is sys.modules["pkg_resources"]
    assert hasattr(module.real, "get_distribution")


def test_resource_filename_refuses_a_module_that_is_not_a_package() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"json\.decoder is not an installed package"):
        parliament_loader.resource_filename("json.decoder", "x")


def test_threads_loading_it_at_once_each_get_the_whole_module() -> None:
    code = """
import sys, threading
from policies.parliament_loader import load_parliament
import time
got = []
def load(delay):
    time.sleep(delay)  # some ask while the first import is under way
    got.append(hasattr(load_parliament(), "analyze_policy_string"))
threads = [threading.Thread(target=load, args=(i * 0.01,)) for i in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(all(got) and len(got) == 8)
"""
    for _ in range(2):  # before the lock, the threads that asked mid-import got a half-built module
        assert _python(code).stdout.strip() == "True"
