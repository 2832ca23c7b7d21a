"""The app itself as a real server: gunicorn's gevent worker (gunicorn.conf.py) on a free loopback port, as in production.

Used where a test needs what only a running server gives: several processes sharing Redis, a restart, a browser.
"""

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.services.process import free_port, stop, wait_until

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


class AppServer:
    """One gunicorn master serving wsgi:app with the given environment; start, stop and start again."""

    def __init__(self, env: dict, workers: int = 1, port: int | None = None, log: Path | None = None):
        self.env = {**os.environ, **env}
        self.workers = workers
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        """Start gunicorn and wait until /healthz answers 200."""
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--graceful-timeout", "5",
                # Several servers run at once in tests and benchmarks; they must not share one control socket.
                "--no-control-socket",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
        )  # fmt: skip
        if self.log:
            output.close()
        wait_until(self._answers, 60, "gunicorn", self.process)
        return self

    def _answers(self) -> bool:
        """The health check answers 200."""
        try:
            return urllib.request.urlopen(f"{self.url}/healthz", timeout=2).status == 200  # noqa: S310 - our http URL
        except OSError:
            return False

    def kill(self) -> None:
        """Crash: SIGKILL to the workers and the master at once, so nothing is flushed, closed or said goodbye."""
        workers = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        for pid in [*map(int, workers), self.process.pid]:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), killing the master if it hangs."""
        stop(self.process, signal.SIGTERM, timeout=15)
        self.process = None
