"""A throwaway MariaDB server on 127.0.0.1 for tests and benchmarks.

``MariaDB.start()`` initialises a data directory in a temporary folder, starts ``mariadbd``
on a free port with no configuration files read, and waits until it answers. ``stop()``
shuts it down and removes the folder. Root connects over the socket without a password.
The server offers TLS with a certificate for 127.0.0.1 and localhost signed by a CA made
for it (``ca_file``), as Aurora offers TLS with the RDS CA's certificates.

Under pytest-xdist each worker starts its own server (the session fixture runs once per
worker process): the folder's name carries ``PYTEST_XDIST_WORKER``, and a port taken by
another worker between the probe and the bind is retried with a new one.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pymysql

from tests.support.certificates import CERTIFICATE, KEY, write_server_certificate

READY_TIMEOUT_SECONDS = 30
PORT_TRIES = 3
# A memory file system when there is one: the data is thrown away, and fsyncs on a busy disk
# made every CREATE USER and every start and stop slow.
SCRATCH_DIR = "/dev/shm"
TOOLS = ("mariadbd", "mariadb-install-db", "mariadb-admin")
# Debian installs mariadbd in /usr/sbin, which a normal user's PATH lacks.
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")
INSTALL_TRIES = 3


def tool(name: str) -> str | None:
    """The tool's path: from PATH, else from the sbin folders."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN_DIRS))


def mariadb_installed() -> bool:
    return all(tool(name) for name in TOOLS)


def _required(name: str) -> str:
    path = tool(name)
    if path is None:
        raise RuntimeError(f"{name} not found on PATH nor in {', '.join(SBIN_DIRS)}")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PortTaken(RuntimeError):
    """Another process bound the port between the probe and mariadbd's bind."""


@dataclass
class MariaDB:
    root: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def socket(self) -> str:
        return str(self.root / "mysqld.sock")

    @property
    def ca_file(self) -> str:
        """The server's self-signed certificate, which is its own CA."""
        return str(self.root / CERTIFICATE)

    @classmethod
    def start(cls) -> MariaDB:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        scratch = SCRATCH_DIR if os.path.isdir(SCRATCH_DIR) and os.access(SCRATCH_DIR, os.W_OK) else None
        server = cls(Path(tempfile.mkdtemp(prefix=f"iam-platform-mariadb-{worker}-", dir=scratch)), _free_port())
        try:
            server._install()
            write_server_certificate(server.root, ("127.0.0.1", "localhost"))
            server._launch_on_a_free_port()
        except BaseException:
            server.stop()
            raise
        return server

    def _launch_on_a_free_port(self) -> None:
        for attempt in range(PORT_TRIES):
            try:
                return self._launch()
            except PortTaken:
                if attempt == PORT_TRIES - 1:
                    raise
                self.port = _free_port()
                (self.root / "error.log").unlink(missing_ok=True)

    def _install(self) -> None:
        """The system tables. mariadbd's bootstrap segfaults now and then on this kind of machine (a start in a
        dozen or so, under load), so a failed install is retried on an empty data folder before it is an error."""
        problem = None
        for _attempt in range(INSTALL_TRIES):
            shutil.rmtree(self.root / "data", ignore_errors=True)
            problem = self._install_once()
            if problem is None:
                return
        raise RuntimeError(f"mariadb-install-db failed {INSTALL_TRIES} times; the last time: {problem}")

    def _install_once(self) -> str | None:
        done = subprocess.run(
            [
                _required("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={self.root / 'data'}",
                f"--user={getpass.getuser()}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            return None
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        return f"exit {done.returncode}: {' | '.join(line for line in said if line)}"

    def _launch(self) -> None:
        self.process = subprocess.Popen(
            [
                _required("mariadbd"),
                "--no-defaults",
                f"--datadir={self.root / 'data'}",
                f"--user={getpass.getuser()}",
                "--skip-networking=0",
                "--bind-address=127.0.0.1",
                f"--port={self.port}",
                f"--socket={self.socket}",
                f"--pid-file={self.root / 'mariadbd.pid'}",
                f"--log-error={self.root / 'error.log'}",
                "--skip-log-bin",
                "--skip-name-resolve",
                "--max-connections=1000",
                "--innodb-fast-shutdown=2",
                "--innodb-log-file-size=16M",
                "--innodb-buffer-pool-size=32M",
                f"--ssl-ca={self.ca_file}",
                f"--ssl-cert={self.ca_file}",
                f"--ssl-key={self.root / KEY}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self._log_tail()
                raise (PortTaken if "Address already in use" in log else RuntimeError)(f"mariadbd exited: {log}")
            if (
                subprocess.run(
                    [_required("mariadb-admin"), "--no-defaults", f"--socket={self.socket}", "-uroot", "ping"],
                    capture_output=True,
                ).returncode
                == 0
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"mariadbd did not answer in {READY_TIMEOUT_SECONDS}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return (self.root / "error.log").read_text()[-2000:]
        except OSError:
            return "(no log)"

    def root_connection(self) -> pymysql.connections.Connection:
        return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True, ssl_disabled=True)

    def create_user(self, username: str, password: str, database: str) -> None:
        """A user with all privileges on one database, as an application user would have."""
        with self.root_connection() as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (username, password))
            cursor.execute(f"GRANT ALL PRIVILEGES ON `{database}`.* TO %s@'%%'", (username,))

    def status(self, name: str) -> int:
        """A global status counter, e.g. ``Access_denied_errors`` (refused logins)."""
        with self.root_connection() as connection, connection.cursor() as cursor:
            cursor.execute("SHOW GLOBAL STATUS LIKE %s", (name,))
            return int(cursor.fetchone()[1])

    def kill_connections_of(self, username: str) -> int:
        """End every session of a user, as a server restart or failover would."""
        with self.root_connection() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id FROM information_schema.processlist WHERE user = %s", (username,))
            ids = [row[0] for row in cursor.fetchall()]
            for session in ids:
                cursor.execute(f"KILL {int(session)}")
        return len(ids)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # mariadbd shuts down on SIGTERM; mariadb-admin would wait a second more
            try:
                self.process.wait(timeout=READY_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def skip_reason_or_failure() -> str | None:
    """None when MariaDB is installed; a skip reason locally; raises in CI (env CI set)."""
    if mariadb_installed():
        return None
    message = (
        f"MariaDB is not installed ({', '.join(TOOLS)} not on PATH nor in {', '.join(SBIN_DIRS)}); "
        "install it with `apt-get install -y mariadb-server` to run the database tests"
    )
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but {message}")
    return message
