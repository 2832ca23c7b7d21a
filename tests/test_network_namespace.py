"""tests/services/netns.py: a process in the namespace reaches the host services it is allowed, and nothing else;
nothing on the host reaches into it; a TURN relay is its only way to a peer on the host."""

import json
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.calls.ice import turn_credential
from app.clock import utcnow
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.services.netns import NetworkNamespace
from tests.services.process import free_port, wait_until

# Run inside the namespace: fetch each URL and print what came back, or the kind of failure.
FETCH = """
import json, sys, urllib.request
results = {}
for url in sys.argv[1:]:
    try:
        results[url] = urllib.request.urlopen(url, timeout=2).read().decode()
    except Exception as error:
        results[url] = "unreachable"
print(json.dumps(results))
"""

# Run inside the namespace: allocate a relay on the TURN server and send a datagram through it to a peer, then send
# one to the peer directly; print which came back.
RELAY = """
import asyncio, json, socket, sys
from aioice.turn import create_turn_endpoint

server, username, password, relayed_peer, direct_peer = sys.argv[1:6]

def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)

class Echoes(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue = asyncio.Queue()
    def datagram_received(self, data, addr):
        self.queue.put_nowait(data)

async def main():
    result = {}
    transport, protocol = await create_turn_endpoint(Echoes, address(server), username, password, lifetime=60)
    transport.sendto(b"via relay", address(relayed_peer))
    result["relayed"] = (await asyncio.wait_for(protocol.queue.get(), 5)).decode()
    transport.close()
    direct = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    direct.settimeout(2)
    direct.sendto(b"direct", address(direct_peer))
    try:
        result["direct"] = direct.recv(100).decode()
    except OSError:
        result["direct"] = "unreachable"
    print(json.dumps(result))

asyncio.run(main())
"""


class _Named(BaseHTTPRequestHandler):
    """Answers every GET with the server's name."""

    def do_GET(self):
        """Say which server this is."""
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Keep the test output quiet."""


@pytest.fixture
def host_services():
    """Two HTTP servers on the host's 127.0.0.1, answering "allowed" and "blocked"."""
    servers = {}
    for name in ("allowed", "blocked"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Named)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    yield {name: server.server_address[1] for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def udp_echo():
    """A UDP echo peer on the host's 127.0.0.1 (the doctor's side of a call); answers its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stopping = threading.Event()

    def echo():
        while not stopping.is_set():
            try:
                data, source = sock.recvfrom(2048)
            except OSError:
                continue
            sock.sendto(b"echo: " + data, source)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stopping.set()
    thread.join()
    sock.close()


def namespace(allow):
    """A started namespace (the caller stops it)."""
    return NetworkNamespace(allow).start()


def fetch_inside(ns: NetworkNamespace, *urls: str) -> dict:
    """What a process inside the namespace gets from each URL."""
    result = ns.run([sys.executable, "-c", FETCH, *urls], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_process_inside_reaches_the_allowed_service_and_nothing_else(host_services):
    """The allowed port answers at the gateway; another host service, and the host's loopback, do not."""
    ns = namespace([("tcp", host_services["allowed"])])
    try:
        allowed = f"http://{ns.gateway}:{host_services['allowed']}/"
        blocked = f"http://{ns.gateway}:{host_services['blocked']}/"
        loopback = f"http://127.0.0.1:{host_services['allowed']}/"
        assert fetch_inside(ns, allowed, blocked, loopback) == {
            allowed: "allowed",
            blocked: "unreachable",
            # Inside, 127.0.0.1 is the namespace's own loopback, where nothing listens.
            loopback: "unreachable",
        }
    finally:
        ns.stop()


def test_nothing_on_the_host_reaches_into_the_namespace(host_services):
    """A server inside the namespace is out of reach from the host (a doctor cannot reach a patient's host
    candidates), while it answers inside."""
    ns = namespace([("tcp", host_services["allowed"])])
    port = free_port()
    server = subprocess.Popen(
        ns.command([sys.executable, "-m", "http.server", str(port), "--bind", "0.0.0.0"]),  # noqa: S104 - inside only
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        inside = f"http://127.0.0.1:{port}/"
        wait_until(lambda: fetch_inside(ns, inside)[inside] != "unreachable", 15, "server in the namespace", server)
        with pytest.raises(OSError):
            socket.create_connection((ns.address, port), timeout=2).close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        ns.stop()


def test_the_turn_relay_is_the_only_way_to_a_peer_on_the_host(turn_server, udp_echo):
    """Inside, the allowed TURN server relays to the host's peer and its echo comes back; a datagram sent to the peer
    directly gets nothing."""
    ns = namespace([("udp", turn_server.port)])
    try:
        username, password = turn_credential(turn_server.secret, "netns", utcnow() + timedelta(minutes=5))
        argv = [
            sys.executable, "-c", RELAY,
            f"{ns.gateway}:{turn_server.port}", username, password,
            f"127.0.0.1:{udp_echo}", f"{ns.gateway}:{udp_echo}",
        ]  # fmt: skip
        result = ns.run(argv, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"relayed": "echo: via relay", "direct": "unreachable"}
    finally:
        ns.stop()


def test_chromium_runs_inside_and_loads_only_the_allowed_service(playwright, host_services, tmp_path):
    """Chromium started through the namespace's wrapper loads the allowed service and fails on the other."""
    ns = namespace([("tcp", host_services["allowed"])])
    try:
        executable = ns.wrapper(str(CHROMIUM), tmp_path)
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"http://{ns.gateway}:{host_services['allowed']}/")
            assert page.locator("body").inner_text() == "allowed"
            with pytest.raises(Exception, match="ERR_CONNECTION_REFUSED"):
                page.goto(f"http://{ns.gateway}:{host_services['blocked']}/", timeout=5_000)
        finally:
            browser.close()
    finally:
        ns.stop()


def test_a_namespace_leaves_nothing_behind():
    """Stopping removes the namespace, its veth pair and its rules."""
    ns = namespace([("tcp", 1)])
    ns.stop()
    assert ns.name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert subprocess.run(["ip", "link", "show", ns.host_link], capture_output=True).returncode != 0
    assert ns.table not in subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
