"""The functions' Zip archives as the program builds them: what each holds, and that each runs alone.

Each archive is unpacked into an empty folder and imported in a fresh interpreter whose
current folder is that one, so ``lambdas`` comes from the archive and nowhere else. The
shared virtualenv plays the Lambda runtime and the Powertools layer (boto3, Powertools,
pydantic); PyMySQL and tzdata, which the runtime lacks, are blocked unless the archive bundles
them.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.archive import archive_files
from tests.support.harness import run_stack

FUNCTION = "aws:lambda/function:Function"
REPO = Path(__file__).resolve().parents[2]
NOT_IN_THE_RUNTIME = ("pymysql", "tzdata")


@pytest.fixture(scope="module")
def functions() -> dict[str, dict]:
    """Function logical name -> its recorded inputs."""
    return {f["urn"].split("::")[-1]: f["inputs"] for f in run_stack("dev").of_type(FUNCTION) if "code" in f["inputs"]}


@pytest.fixture(scope="module")
def archives(functions) -> dict[str, dict[str, str]]:
    """Function logical name -> {path in the archive: source file}."""
    return {
        name: {path: asset["path"] for path, asset in inputs["code"]["assets"].items()}
        for name, inputs in functions.items()
    }


def unpack(assets: dict[str, str], folder: Path) -> Path:
    for path, source in assets.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / source, target)  # an absolute source stays absolute
    return folder


def run_alone(
    folder: Path, code: str, assets: dict[str, str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    blocked = [p for p in NOT_IN_THE_RUNTIME if f"{p}/__init__.py" not in assets]
    prelude = f"import sys\nfor name in {blocked!r}:\n    sys.modules[name] = None\n"
    environment = {
        **os.environ,
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **(env or {}),
    }
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=folder, env=environment, capture_output=True, text=True, timeout=120
    )


FUNCTIONS = (
    "database-app-function",
    "jwks-fn-function",
    "execution-fn-function",
    "verification-fn-function",
    "tvm-fn-function",
    "tvm-authorizer-fn-function",
)


def test_the_stack_builds_the_functions_expected(archives):
    assert set(archives) == set(FUNCTIONS)


def test_the_database_module_ships_only_with_the_driver_it_needs(archives):
    with_module = {name for name, assets in archives.items() if "lambdas/common/database.py" in assets}
    with_driver = {name for name, assets in archives.items() if "pymysql/__init__.py" in assets}
    assert with_module == with_driver == {"database-app-function"}


def test_only_the_tvm_bundles_the_zone_database(archives):
    with_tzdata = {name for name, assets in archives.items() if "tzdata/__init__.py" in assets}
    assert with_tzdata == {"tvm-fn-function"}
    assert "tzdata/zoneinfo/Europe/Berlin" in archives["tvm-fn-function"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_archive_imports_its_handler_from_itself_alone(functions, archives, name, tmp_path):
    module, function = functions[name]["handler"].rsplit(".", 1)
    assets = archives[name]
    done = run_alone(
        unpack(assets, tmp_path),
        f"import {module} as h\nimport lambdas\nprint(lambdas.__file__)\nassert callable(h.{function})",
        assets,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "lambdas" / "__init__.py")


RULES = json.dumps(
    {
        "version": 1,
        "role_arn": "arn:aws:iam::123456789012:role/protected",
        "rules": [
            {
                "name": "office",
                "effect": "allow",
                "users": ["alice"],
                "time": {"hours": "08:00-09:00", "timezone": "Europe/Berlin"},
            }
        ],
    }
)
# 07:30 UTC on a winter day is 08:30 in Berlin (UTC+1): inside the window only in Berlin time.
EVALUATE = f"""
from datetime import datetime, timezone
import zoneinfo
from lambdas.tvm.rules import decide, parse_rules_document
document = parse_rules_document({RULES!r})
print(decide(document, "alice", datetime(2026, 1, 15, 7, 30, tzinfo=timezone.utc)).effect)
print(decide(document, "alice", datetime(2026, 1, 15, 8, 30, tzinfo=timezone.utc)).effect)
import tzdata
print(tzdata.__file__)
"""


@pytest.fixture
def no_zone_database(tmp_path) -> dict[str, str]:
    """zoneinfo searches only PYTHONTZPATH (an empty folder here), then falls back to tzdata."""
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    return {"PYTHONTZPATH": str(empty)}


def test_tvm_rules_evaluate_a_time_zone_where_the_runtime_has_no_zone_database(archives, tmp_path, no_zone_database):
    assets = archives["tvm-fn-function"]
    folder = unpack(assets, tmp_path / "tvm")
    done = run_alone(folder, EVALUATE, assets, no_zone_database)
    assert done.returncode == 0, done.stderr[-2000:]
    allowed_in_berlin, denied_outside, tzdata_file = done.stdout.split()
    assert (allowed_in_berlin, denied_outside) == ("allow", "deny")
    assert tzdata_file == str(folder / "tzdata" / "__init__.py")  # the archive's own copy


def test_without_tzdata_the_same_rules_cannot_be_read(archives, tmp_path, no_zone_database):
    # The control: this environment really has no zone database, so the test above needs the bundled tzdata.
    assets = {path: source for path, source in archives["tvm-fn-function"].items() if not path.startswith("tzdata/")}
    done = run_alone(unpack(assets, tmp_path / "tvm"), EVALUATE, assets, no_zone_database)
    assert done.returncode != 0 and "unknown timezone 'Europe/Berlin'" in done.stderr


def test_relative_imports_are_followed(tmp_path, monkeypatch):
    import components.archive as archive

    lambdas = tmp_path / "lambdas"
    for path, text in {
        "__init__.py": "",
        "common/__init__.py": "",
        "common/a.py": "from . import b\n",
        "common/b.py": "from .c import thing\n",
        "common/c.py": "thing = 1\n",
        "common/unused.py": "import pymysql\n",
        "fn/__init__.py": "",
        "fn/handler.py": "from lambdas.common import a\n",
    }.items():
        (lambdas / path).parent.mkdir(parents=True, exist_ok=True)
        (lambdas / path).write_text(text)
    monkeypatch.setattr(archive, "LAMBDAS_DIR", lambdas)
    assert sorted(archive_files("fn")) == [
        "lambdas/__init__.py",
        "lambdas/common/__init__.py",
        "lambdas/common/a.py",
        "lambdas/common/b.py",
        "lambdas/common/c.py",
        "lambdas/fn/__init__.py",
        "lambdas/fn/handler.py",
    ]


NESTED_IMPORTS = """
import lambdas.common.m0
def f():
    import lambdas.common.m1
async def g():
    from lambdas.common import m2
class C:
    import lambdas.common.m3
    def method(self):
        if True:
            import lambdas.common.m4
        else:
            import lambdas.common.m5
try:
    import lambdas.common.m6
except ImportError:
    import lambdas.common.m7
else:
    import lambdas.common.m8
finally:
    import lambdas.common.m9
with open(__file__):
    import lambdas.common.m10
for _ in ():
    import lambdas.common.m11
else:
    import lambdas.common.m12
while False:
    import lambdas.common.m13
match 1:
    case 1:
        import lambdas.common.m14
x = [lambda: __import__("lambdas.common.never")]
"""


def test_imports_nested_in_any_statement_are_followed(tmp_path, monkeypatch):
    import components.archive as archive

    lambdas = tmp_path / "lambdas"
    modules = {f"common/m{i}.py": "" for i in range(15)}
    for path, text in {
        "__init__.py": "",
        "common/__init__.py": "",
        "common/never.py": "",
        **modules,
        "fn/__init__.py": "",
        "fn/handler.py": NESTED_IMPORTS,
    }.items():
        (lambdas / path).parent.mkdir(parents=True, exist_ok=True)
        (lambdas / path).write_text(text)
    monkeypatch.setattr(archive, "LAMBDAS_DIR", lambdas)
    shipped = archive_files("fn")
    assert sorted(p for p in shipped if p.startswith("lambdas/common/m")) == sorted(f"lambdas/{m}" for m in modules)
    assert "lambdas/common/never.py" not in shipped  # __import__ of a string is not an import statement


def test_a_bundled_package_ships_every_file_but_bytecode(tmp_path, monkeypatch):
    package = tmp_path / "site" / "zonepack"
    for path in (
        "__init__.py",
        "zones/Europe/Berlin",
        "zones/UTC",
        "__pycache__/__init__.cpython-311.pyc",
        "stale.pyc",
        "zones/__pycache__/x.pyc",
    ):
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        (package / path).write_text("x")
    (package / "zones" / "dangling").symlink_to(tmp_path / "nowhere")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    shipped = {
        path: source for path, source in archive_files("tvm", ["zonepack"]).items() if path.startswith("zonepack/")
    }
    assert sorted(shipped) == ["zonepack/__init__.py", "zonepack/zones/Europe/Berlin", "zonepack/zones/UTC"]
    assert shipped["zonepack/zones/UTC"] == package / "zones" / "UTC"
