"""The concurrency model: gevent in production's worker, threading elsewhere, and CPU-bound calls off the loop."""

import importlib.util
import subprocess
import sys

import pytest

from app import config
from app.concurrency import off_the_loop, server_model

# Run under gevent's monkey-patching, as gunicorn's gevent worker runs the app. The call handed to off_the_loop
# blocks in the operating system until a greenlet writes to a pipe: on the loop itself, nothing could ever write.
UNDER_GEVENT = """
from gevent import monkey; monkey.patch_all()
import os, gevent
from app.concurrency import off_the_loop, server_model
reading, writing = os.pipe()
def write_soon():
    gevent.sleep(0.05)
    os.write(writing, b"x")
writer = gevent.spawn(write_soon)
print(server_model(), off_the_loop(os.read, reading, 1).decode())
try:
    off_the_loop(int, "not a number")
except ValueError as exc:
    print("raised", type(exc).__name__)
"""


def test_outside_gevent_the_app_runs_threading_and_calls_directly():
    """The test process is not monkey-patched: Socket.IO's threading mode, and off_the_loop is a plain call."""
    assert server_model() == "threading"
    assert off_the_loop(sum, [1, 2, 3]) == 6
    with pytest.raises(ValueError):
        off_the_loop(int, "x")


def test_under_gevent_a_blocking_call_runs_beside_the_loop_and_its_errors_come_back(project_root):
    """Under gevent the call runs in a native thread while other greenlets go on; its exception is raised to the
    caller and nothing is printed to the log."""
    done = subprocess.run(
        [sys.executable, "-c", UNDER_GEVENT], cwd=project_root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["gevent x", "raised ValueError"]
    assert "Traceback" not in done.stderr


def test_gunicorn_sizes_its_connections_from_the_apps_socket_limit(project_root, monkeypatch):
    """gunicorn.conf.py runs gevent workers and keeps room for pages beyond the app's socket limit, with the same
    default as the app."""
    monkeypatch.delenv("REALTIME_MAX_CONNECTIONS", raising=False)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", project_root / "gunicorn.conf.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    assert settings.worker_class == "gevent"
    assert settings.REALTIME_MAX_CONNECTIONS == config.REALTIME_MAX_CONNECTIONS
    assert settings.worker_connections > config.REALTIME_MAX_CONNECTIONS
