"""A throwaway Redis server on a free loopback port, keeping nothing on disk."""

import signal
import subprocess
import tempfile
from pathlib import Path

import redis

from tests.services.process import free_port, require_binary, stop, wait_until


class RedisServer:
    """One private redis-server."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clinic-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The redis:// URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        """Start the server and wait until it answers PING."""
        binary = require_binary("redis-server")
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(self.base), "--logfile", str(self.base / "redis.log")]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._answers, 15, "Redis", self.process)
        return self

    def _answers(self) -> bool:
        """PING succeeds."""
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        stop(self.process, signal.SIGTERM)
        subprocess.run(["rm", "-rf", str(self.base)], check=False)
