"""The production server for benchmarks: gunicorn on a free loopback port, started and stopped per run."""

import signal
import subprocess
import urllib.request
from pathlib import Path

from tests.services.process import free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(
    env: dict, workers: int, threads: int, worker_class: str = "gthread", tree: Path = ROOT
) -> tuple[subprocess.Popen, int]:
    """Serve wsgi:app with gunicorn; returns the master process and the port once /healthz answers.

    `threads` applies to the gthread worker class only (gunicorn would turn sync workers with threads into gthread).
    `tree` is the source tree served (another revision's checkout, for a comparison), with this one's .venv.
    """
    port = free_port()
    shape = ["--worker-class", worker_class, "--workers", str(workers)]
    if worker_class == "gthread":
        shape += ["--threads", str(threads)]
    master = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", *shape, "wsgi:app"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def answers() -> bool:
        """The health check answers 200."""
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200
        except OSError:
            return False

    wait_until(answers, 60, "gunicorn", master)
    return master, port


def stop_gunicorn(master: subprocess.Popen | None) -> None:
    """Graceful stop."""
    if master is not None:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)
