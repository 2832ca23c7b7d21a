"""A throwaway PostgreSQL server: initdb into a temp dir, a free port, stopped at the end."""

import glob
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.services.process import as_service_user, free_port, hand_over, require_binary, stop, wait_until

SERVICE_USER = "postgres"


def _bindir() -> Path:
    """The directory of the newest installed PostgreSQL server binaries."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(require_binary("initdb", candidates[-1:])).parent


class PostgresServer:
    """One private PostgreSQL instance, tuned for tests (no fsync) and reachable on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "PostgresServer":
        """Create the cluster and start the server."""
        bindir = _bindir()
        data = self.base / "data"
        hand_over(self.base, SERVICE_USER)
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            cwd=self.base,
            **as_service_user(SERVICE_USER),
        )
        self.log = open(self.base / "server.log", "ab")  # noqa: SIM115 - kept open for the server's lifetime
        self.process = subprocess.Popen(
            [
                str(bindir / "postgres"),
                "-D", str(data),
                "-p", str(self.port),
                "-k", str(self.base),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=self.base,
            **as_service_user(SERVICE_USER),
        )  # fmt: skip
        wait_until(self._accepts, 30, "PostgreSQL", self.process)
        return self

    def _accepts(self) -> bool:
        """The server answers a connection."""
        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def dsn(self, dbname: str) -> str:
        """A libpq connection string for one database."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str) -> str:
        """An SQLAlchemy URL for one database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the cluster."""
        stop(self.process, signal.SIGINT)
        if getattr(self, "log", None):
            self.log.close()
        subprocess.run(["rm", "-rf", str(self.base)], check=False)
