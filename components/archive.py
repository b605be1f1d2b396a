"""The Zip archive of one function: its own code, the shared modules it imports, named packages.

The layout Lambda and tests share: ``lambdas/__init__.py``, ``lambdas/<code>/``, and of
``lambdas/common/`` (or any other ``lambdas/`` folder) only the modules the function's code
imports, directly or through each other, with their packages' ``__init__.py``. A shared module
that needs a package the runtime lacks (``lambdas/common/database.py`` and PyMySQL) thus ships
only with the functions that import it, which are the ones that bundle that package.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pulumi

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"


def lambda_archive(code: str, packages: Sequence[str] = ()) -> pulumi.AssetArchive:
    """lambdas/<code>/, the lambdas/ modules it imports, and the named pure-Python packages at the root."""
    return pulumi.AssetArchive(
        {path: pulumi.FileAsset(str(source)) for path, source in archive_files(code, packages).items()}
    )


def archive_files(code: str, packages: Sequence[str] = ()) -> dict[str, Path]:
    own = sorted((LAMBDAS_DIR / code).rglob("*.py")) if code else []
    if not own:
        raise ValueError(f"no Lambda code in lambdas/{code}/")
    sources = [LAMBDAS_DIR / "__init__.py", *own, *imported_modules(own)]
    files = {source.relative_to(LAMBDAS_DIR.parent).as_posix(): source for source in sources}
    for package in packages:
        files.update(_package_files(package))
    return dict(sorted(files.items()))


def _package_files(package: str) -> Iterator[tuple[str, Path]]:
    """Every file of an installed package but its bytecode (built for this machine's Python, not Lambda's)."""
    root = _package_dir(package)
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        inside = Path(folder).relative_to(root).as_posix()
        prefix = package if inside == "." else f"{package}/{inside}"
        for name in names:
            source = Path(folder, name)
            if not name.endswith(".pyc") and source.is_file():
                yield f"{prefix}/{name}", source


def imported_modules(sources: Sequence[Path]) -> list[Path]:
    """The files under lambdas/ that ``sources`` import, transitively (imports inside functions too)."""
    found: set[Path] = set()
    pending = list(sources)
    while pending:
        for module in _lambdas_imports(pending.pop()):
            if module not in found:
                found.add(module)
                pending.append(module)
    return sorted(found - set(sources))


def _lambdas_imports(source: Path) -> tuple[Path, ...]:
    """Each function's archive reads the same shared modules: parse each file once per version."""
    stat = source.stat()
    return _imports_of(source, stat.st_mtime_ns, stat.st_size, LAMBDAS_DIR, LAMBDAS_DIR.parent)


@functools.lru_cache(maxsize=1024)
def _imports_of(source: Path, _mtime_ns: int, _size: int, _lambdas_dir: Path, _root: Path) -> tuple[Path, ...]:
    return tuple(_parse_imports(source))


def _parse_imports(source: Path) -> Iterator[Path]:
    for node in _statements(ast.parse(source.read_text(), filename=str(source)).body):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, source)
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            yield from _files_of(name)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones too (an import is a statement, never part of an expression)."""
    for statement in body:
        yield statement
        for nested in _nested_bodies(statement):
            yield from _statements(nested)


def _nested_bodies(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        nested = getattr(statement, field, None)
        if isinstance(nested, list):
            yield nested
    for part in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        yield part.body


def _absolute(node: ast.ImportFrom, source: Path) -> str:
    if not node.level:
        return node.module or ""
    package = source.parent.relative_to(LAMBDAS_DIR.parent).parts
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _files_of(dotted: str) -> Iterator[Path]:
    """lambdas.common.database -> lambdas/common/__init__.py, lambdas/common/database.py."""
    parts = dotted.split(".")
    if parts[0] != "lambdas":
        return
    path = LAMBDAS_DIR
    for part in parts[1:]:
        path = path / part
        if (path / "__init__.py").is_file():
            yield path / "__init__.py"
        elif path.with_suffix(".py").is_file():
            yield path.with_suffix(".py")
            return
        else:
            return  # a name imported from a module (a function, a class), not a module


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"package {package!r} is not installed here (see lambdas/requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations)))
