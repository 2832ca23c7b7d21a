"""Starting and stopping service processes the harness owns."""

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_service_user(user: str) -> dict:
    """Popen arguments that run the child as `user` when we are root (PostgreSQL refuses to run as root).

    Switching user in the child itself, rather than through runuser, lets signals reach the server directly.
    """
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(user)
    return {
        "user": entry.pw_uid,
        "group": entry.pw_gid,
        "extra_groups": [],
        "env": {**os.environ, "HOME": entry.pw_dir},
    }


def hand_over(path: Path, user: str) -> None:
    """Give a directory to the service user when we are root."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for item in [path, *path.rglob("*")]:
            os.chown(item, entry.pw_uid, entry.pw_gid)


def wait_until(ready: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    """Poll `ready` until it holds; fail with the reason when the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {timeout} s")


def stop(process: subprocess.Popen | None, signal_number: int, timeout: float = 20) -> None:
    """Ask a process to stop, and kill it if it does not."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal_number)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def require_binary(name: str, candidates: list[str] | None = None) -> str:
    """The path of a server binary, or a clear error naming the Debian package to install."""
    for candidate in candidates or []:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install it (see .ci/run for the Debian packages)")
    return found
