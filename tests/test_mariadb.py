"""tests/support/mariadb.py finds MariaDB where Debian installs it, also with a normal user's PATH."""

import os
from pathlib import Path

import pytest

from tests.support import mariadb

NORMAL_USER_PATH = "/usr/local/bin:/usr/bin:/bin"  # Debian's default for users: no sbin


def test_tools_missing_from_path_are_found_in_the_sbin_folders(tmp_path, monkeypatch):
    sbin, on_path = tmp_path / "sbin", tmp_path / "bin"
    sbin.mkdir(), on_path.mkdir()
    for name in mariadb.TOOLS:
        (sbin / name).write_text("#!/bin/sh\n")
        (sbin / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setattr(mariadb, "SBIN_DIRS", (str(sbin),))
    assert mariadb.mariadb_installed() and mariadb.tool("mariadbd") == str(sbin / "mariadbd")
    (sbin / "mariadb-admin").unlink()
    assert not mariadb.mariadb_installed()
    monkeypatch.delenv("CI", raising=False)  # outside CI: a skip reason naming where it looked
    assert "not on PATH nor in " + str(sbin) in mariadb.skip_reason_or_failure()
    monkeypatch.setenv("CI", "true")  # in CI: a missing server fails, never skips
    with pytest.raises(RuntimeError, match="not on PATH nor in " + str(sbin)):
        mariadb.skip_reason_or_failure()


@pytest.mark.mariadb
@pytest.mark.skipif(not Path("/usr/sbin/mariadbd").exists(), reason="needs Debian's mariadb-server package")
def test_server_starts_for_a_user_whose_path_lacks_sbin(monkeypatch):
    monkeypatch.setenv("PATH", NORMAL_USER_PATH)
    monkeypatch.delenv("CI", raising=False)
    assert mariadb.skip_reason_or_failure() is None
    server = _start_and_ask()
    assert not os.path.exists(server.root)


def _start_and_ask() -> mariadb.MariaDB:
    """Start a server, check that it answers a query, stop it; the stopped server is returned."""
    server = mariadb.MariaDB.start()
    try:
        with server.root_connection() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        server.stop()
    return server


def _flaky_install_db(folder: Path, crashes: int) -> None:
    """A mariadb-install-db that segfaults (exit 139) ``crashes`` times, then runs the real one."""
    count = folder / "calls"
    script = folder / "mariadb-install-db"
    script.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{count}" 2>/dev/null || echo 0); echo $((n + 1)) > "{count}"\n'
        f'if [ "$n" -lt {crashes} ]; then echo "Segmentation fault" >&2; exit 139; fi\n'
        f'exec {mariadb.tool("mariadb-install-db")} "$@"\n'
    )
    script.chmod(0o755)


@pytest.mark.mariadb
@pytest.mark.skipif(not Path("/usr/sbin/mariadbd").exists(), reason="needs Debian's mariadb-server package")
def test_a_bootstrap_that_crashes_once_is_retried_on_an_empty_data_folder(tmp_path, monkeypatch):
    _flaky_install_db(tmp_path, crashes=1)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    _start_and_ask()
    assert (tmp_path / "calls").read_text().strip() == "2"


def test_a_bootstrap_that_always_crashes_is_one_clear_error(tmp_path, monkeypatch):
    _flaky_install_db(tmp_path, crashes=99)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(RuntimeError, match=r"failed 3 times; the last time: exit 139: Segmentation fault"):
        mariadb.MariaDB.start()
