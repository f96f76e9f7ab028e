"""A real PostgreSQL server for the tests: a throwaway cluster (initdb + pg_ctl) in a temporary folder on a free
loopback port, or the server KNOWHOW_TEST_POSTGRES names (a URL whose user may create databases). Each test
gets a new database copied from a template that already holds the schema (CREATE DATABASE ... TEMPLATE: a
fraction of a second, where building the schema takes longer)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TEMPLATE = "knowhow_template"


def _bin_dir() -> Path | None:
    """PostgreSQL's server programs: on PATH, or where Debian's packages put them."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """One per test process: started on first use, stopped at the end of the session."""

    def __init__(self):
        # Not under pytest's tmp folder: that is private to the user running the tests, and PostgreSQL runs as
        # another user when that one is root.
        self.folder = Path(tempfile.mkdtemp(prefix="knowhow-postgres-"))
        self.process_dir: Path | None = None
        self._names = itertools.count(1)
        given = os.environ.get("KNOWHOW_TEST_POSTGRES")
        self.admin_url = given or self._start()
        self._make_template()

    def _start(self) -> str:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (or set "
                               "KNOWHOW_TEST_POSTGRES to a server's URL)")
        user = self._user()
        if user is not None:
            shutil.chown(self.folder, user)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        data = self.folder / "cluster"
        self._run(user, [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "knowhow", "-E", "UTF8",
                         "--locale=C.UTF-8", "--no-sync"])
        options = (f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "log"),
                         "-w", "start"])
        self.process_dir = data
        self._stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        self._user_name = user
        return f"postgresql://knowhow@127.0.0.1:{port}/postgres"

    @staticmethod
    def _user() -> str | None:
        """PostgreSQL refuses to run as root: the cluster then belongs to the postgres (or nobody) user."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise RuntimeError("running as root with no postgres or nobody user to run PostgreSQL as")

    @staticmethod
    def _run(user: str | None, command: list[str]) -> None:
        if user is not None:
            command = ["runuser", "-u", user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def _make_template(self) -> None:
        from models.store import Store

        name = f"{TEMPLATE}_{os.getpid()}"
        self._admin(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
        Store(self._url(name)).close()
        self.template = name

    def _url(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    def new_database(self) -> str:
        """A new database holding the schema and nothing else; its URL."""
        name = f"knowhow_{os.getpid()}_{next(self._names)}"
        for attempt in range(50):
            try:
                self._admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
                break
            except Exception as exc:  # the template busy for a moment (another CREATE reading it)
                if "is being accessed" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)
        return self._url(name)

    def stop(self) -> None:
        if self.process_dir is not None:
            self._run(self._user_name, self._stop)
            self.process_dir = None
            shutil.rmtree(self.folder, ignore_errors=True)
