"""A throwaway coturn (`turnserver`) on a free loopback port, with a shared secret, keeping everything in a temp dir."""

import os
import secrets
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.services.process import free_port, require_binary, stop, wait_until

# A STUN Binding request (RFC 8489): type 0x0001, no attributes, the magic cookie, a random transaction id.
MAGIC_COOKIE = bytes.fromhex("2112a442")
BINDING_REQUEST = bytes.fromhex("00010000")
BINDING_SUCCESS = bytes.fromhex("0101")


class TurnServer:
    """One private turnserver answering STUN and TURN over UDP and TCP on 127.0.0.1 (no TLS), relaying on loopback."""

    def __init__(self, secret: str | None = None, realm: str = "clinic.test") -> None:
        self.base = Path(tempfile.mkdtemp(prefix="clinic-turn-"))
        self.port = free_port()
        self.secret = secret or secrets.token_hex(16)
        self.realm = realm
        self.process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.base / "turnserver.log"

    @property
    def urls(self) -> list[str]:
        """The TURN URLs a browser is given (UDP, then TCP for networks that drop UDP)."""
        return [f"turn:127.0.0.1:{self.port}?transport=udp", f"turn:127.0.0.1:{self.port}?transport=tcp"]

    def config(self) -> str:
        """The turnserver.conf for this instance."""
        lines = [
            f"listening-port={self.port}",
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            # Relays live in their own band, clear of the harness's free ports, which come from the kernel's
            # ephemeral range.
            "min-port=20000",
            "max-port=24999",
            # The same TURN REST API scheme as production: credentials made by the app from this shared secret.
            "use-auth-secret",
            f"static-auth-secret={self.secret}",
            f"realm={self.realm}",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "no-rfc5780",
            "no-software-attribute",
            # Tests only: both peers (and aioice's test peer) are on 127.0.0.1, which coturn refuses as a relay
            # peer unless told otherwise. Never in production, where loopback peers would reach the TURN host's
            # own services (README, "Production coturn").
            "allow-loopback-peers",
            f"userdb={self.base / 'turndb'}",
            f"pidfile={self.base / 'turnserver.pid'}",
            f"log-file={self.log}",
            "simple-log",
            "no-stdout-log",
        ]
        return "\n".join(lines) + "\n"

    def start(self) -> "TurnServer":
        """Start the server and wait until it answers a STUN Binding request."""
        binary = require_binary("turnserver")
        conf = self.base / "turnserver.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            [binary, "-c", str(conf)],
            cwd=self.base,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            # coturn reads nothing else from the environment we rely on; HOME keeps it from writing elsewhere.
            env={**os.environ, "HOME": str(self.base)},
        )
        wait_until(self._answers, 15, "turnserver", self.process)
        return self

    def _answers(self) -> bool:
        """A STUN Binding request over UDP gets a success response."""
        transaction = secrets.token_bytes(12)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.3)
            try:
                sock.sendto(BINDING_REQUEST + MAGIC_COOKIE + transaction, ("127.0.0.1", self.port))
                answer = sock.recv(2048)
            except OSError:
                return False
        return answer[:2] == BINDING_SUCCESS and answer[8:20] == transaction

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        stop(self.process, signal.SIGTERM)
        subprocess.run(["rm", "-rf", str(self.base)], check=False)
